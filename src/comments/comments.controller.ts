import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { BanCheckedInWrite } from '../common/decorators/ban-checked-in-write.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Public } from '../common/decorators/public.decorator';
import { UuidParam } from '../common/decorators/uuid-param.decorator';
import { ForbiddenError, UnauthorizedError } from '../common/errors/domain-error';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import type { Page } from '../common/pagination/cursor';
import { PageOf } from '../common/pagination/page.dto';
import { RateLimit } from '../common/rate-limit/rate-limit.decorator';
import type { CommentView } from './comment.view';
import { CommentsService } from './comments.service';
import {
  CommentDto,
  CreateCommentDto,
  EditCommentDto,
  ListCommentsQueryDto,
} from './dto/comment.dto';

@ApiTags('comments')
@Controller('api')
export class CommentsController {
  constructor(private readonly comments: CommentsService) {}

  @Public()
  @Get('articles/:id/comments')
  @ApiOkResponse({ type: PageOf(CommentDto) })
  @ApiErrors(400, 401, 403, 404)
  list(
    @UuidParam('id') articleId: string,
    @Query() query: ListCommentsQueryDto,
    @CurrentUser() user: Principal | undefined,
  ): Promise<Page<CommentView>> {
    const include = new Set(query.include?.split(',') ?? []);
    if (include.size > 0) {
      if (!user)
        throw new UnauthorizedError(`include=${query.include} needs a moderator or admin token`);
      if (user.role === 'reader' || user.banned)
        throw new ForbiddenError(`include=${query.include} is for moderators and admins`);
    }
    return this.comments.list(articleId, {
      parentId: query.parentId,
      sort: query.sort,
      limit: query.limit,
      cursor: query.cursor,
      showOriginals: include.has('removed'),
      showPending: include.has('pending'),
      featuredOnly: query.featured === 'true',
      readerId: user?.id ?? null,
    });
  }

  @ApiBearerAuth()
  @Post('articles/:id/comments')
  @BanCheckedInWrite()
  @RateLimit('comments')
  @ApiCreatedResponse({ type: CommentDto })
  @ApiErrors(400, 401, 403, 404, 409, 429)
  create(
    @CurrentUser() user: Principal,
    @UuidParam('id') articleId: string,
    @Body() dto: CreateCommentDto,
  ): Promise<CommentView> {
    return this.comments.create(user, articleId, dto.body, dto.parentId);
  }

  @ApiBearerAuth()
  @Patch('comments/:id')
  @RateLimit('comments')
  @ApiOkResponse({ type: CommentDto })
  @ApiErrors(400, 401, 403, 404, 409, 429)
  edit(
    @CurrentUser() user: Principal,
    @UuidParam('id') id: string,
    @Body() dto: EditCommentDto,
  ): Promise<CommentView> {
    return this.comments.edit(user, id, dto.body);
  }

  @ApiBearerAuth()
  @Delete('comments/:id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The comment is now a tombstone (status deleted)' })
  @ApiErrors(400, 401, 403, 404)
  async delete(@CurrentUser() user: Principal, @UuidParam('id') id: string): Promise<void> {
    await this.comments.delete(user, id);
  }
}
