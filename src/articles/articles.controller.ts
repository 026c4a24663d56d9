import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Public } from '../common/decorators/public.decorator';
import { Roles } from '../common/decorators/roles.decorator';
import { UuidParam } from '../common/decorators/uuid-param.decorator';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import type { Page } from '../common/pagination/cursor';
import { PageOf } from '../common/pagination/page.dto';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { ArticlesService } from './articles.service';
import { CreateArticleDto, UpdateArticleDto } from './dto/article-input.dto';
import { ArticleDto, ArticleSummaryDto } from './dto/article.dto';

@ApiTags('articles')
@Controller('api/articles')
export class ArticlesController {
  constructor(private readonly articles: ArticlesService) {}

  @Public()
  @Get()
  @ApiOkResponse({ type: PageOf(ArticleSummaryDto) })
  @ApiErrors(400)
  async list(@Query() query: PageQueryDto): Promise<Page<ArticleSummaryDto>> {
    const page = await this.articles.list(query.limit, query.cursor);
    return { items: page.items.map((a) => ArticleSummaryDto.from(a)), nextCursor: page.nextCursor };
  }

  @Public()
  @Get(':idOrSlug')
  @ApiOkResponse({ type: ArticleDto })
  @ApiErrors(404)
  async get(
    @Param('idOrSlug') idOrSlug: string,
    @CurrentUser() user: Principal | undefined,
  ): Promise<ArticleDto> {
    const article = await this.articles.get(idOrSlug);
    return ArticleDto.from(
      article,
      user ? await this.articles.myVotes(article.id, user.id) : undefined,
    );
  }

  @ApiBearerAuth()
  @Roles('admin')
  @Post()
  @ApiCreatedResponse({ type: ArticleDto })
  @ApiErrors(400, 401, 403, 409)
  async create(@Body() dto: CreateArticleDto): Promise<ArticleDto> {
    return ArticleDto.from(await this.articles.create(dto));
  }

  @ApiBearerAuth()
  @Roles('admin')
  @Patch(':id')
  @ApiOkResponse({ type: ArticleDto })
  @ApiErrors(400, 401, 403, 404, 409)
  async update(@UuidParam('id') id: string, @Body() dto: UpdateArticleDto): Promise<ArticleDto> {
    return ArticleDto.from(await this.articles.update(id, dto));
  }

  @ApiBearerAuth()
  @Roles('admin')
  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted with its follow-ups' })
  @ApiErrors(400, 401, 403, 404)
  async remove(@UuidParam('id') id: string): Promise<void> {
    await this.articles.remove(id);
  }
}
