import { Body, Controller, Delete, Get, HttpCode, Put, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import type { Response } from 'express';
import { Public } from '../common/decorators/public.decorator';
import { SiteWriter } from '../common/decorators/site-writer.decorator';
import { UuidParam } from '../common/decorators/uuid-param.decorator';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { ArticleDto } from './dto/article.dto';
import {
  ArticleCountsDto,
  CountsDto,
  ExternalIdParam,
  MAX_COUNT_IDS,
  parseCountIds,
  SiteArticleInputDto,
} from './dto/site-article.dto';
import { SiteArticlesService } from './site-articles.service';

/** How long browsers and CDNs may keep a count answer (the badges are live anyway). */
const COUNTS_MAX_AGE_S = 10;

class CountsQueryDto {
  @IsString()
  @MaxLength(MAX_COUNT_IDS * 129)
  ids!: string;
}

/** A publisher's articles by its own ids: for its CMS (API key) and its pages. */
@ApiTags('sites')
@ApiExtraModels(ArticleCountsDto)
@Controller('api/sites/:id')
export class SiteArticlesController {
  constructor(private readonly articles: SiteArticlesService) {}

  @Put('articles/:externalId')
  @SiteWriter('id')
  @ApiBearerAuth()
  @ApiOkResponse({ type: ArticleDto, description: '201 when created, 200 when updated' })
  @ApiErrors(400, 401, 403, 404)
  async upsert(
    @UuidParam('id') siteId: string,
    @ExternalIdParam() externalId: string,
    @Body() dto: SiteArticleInputDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ArticleDto> {
    const { publishedAt, ...rest } = dto;
    const { article, created } = await this.articles.upsert(siteId, externalId, {
      ...rest,
      ...(publishedAt !== undefined ? { publishedAt: new Date(publishedAt) } : {}),
    });
    response.status(created ? 201 : 200);
    return ArticleDto.from(article);
  }

  @Public()
  @Get('articles/:externalId')
  @ApiOkResponse({ type: ArticleDto })
  @ApiErrors(400, 404)
  async get(
    @UuidParam('id') siteId: string,
    @ExternalIdParam() externalId: string,
  ): Promise<ArticleDto> {
    return ArticleDto.from(await this.articles.get(siteId, externalId));
  }

  @Delete('articles/:externalId')
  @SiteWriter('id')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiNoContentResponse({ description: 'Deleted with its comments and votes' })
  @ApiErrors(400, 401, 403, 404)
  async delete(
    @UuidParam('id') siteId: string,
    @ExternalIdParam() externalId: string,
  ): Promise<void> {
    await this.articles.delete(siteId, externalId);
  }

  /**
   * One statement for up to 100 ids, whose JSON PostgreSQL builds; Express adds a weak ETag
   * and answers 304 to a match.
   */
  @Public()
  @Get('counts')
  @ApiOkResponse({ type: CountsDto })
  @ApiErrors(400, 404)
  async counts(
    @UuidParam('id') siteId: string,
    @Query() query: CountsQueryDto,
    @Res() response: Response,
  ): Promise<void> {
    const body = await this.articles.countsJson(siteId, parseCountIds(query.ids));
    response
      .set('Cache-Control', `public, max-age=${COUNTS_MAX_AGE_S}`)
      .type('application/json')
      .send(body);
  }
}
