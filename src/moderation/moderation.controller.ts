import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CommentDto } from '../comments/dto/comment.dto';
import type { CommentView } from '../comments/comment.view';
import type { Principal } from '../common/auth/principal';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Roles } from '../common/decorators/roles.decorator';
import { UuidParam } from '../common/decorators/uuid-param.decorator';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import type { Page } from '../common/pagination/cursor';
import { PageOf } from '../common/pagination/page.dto';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { RateLimit } from '../common/rate-limit/rate-limit.decorator';
import {
  LogItemDto,
  QueueItemDto,
  QueueQueryDto,
  ReasonDto,
  ReportCreatedDto,
} from './dto/moderation.dto';
import { type LogItem, ModerationService, type QueueItem } from './moderation.service';

@ApiTags('moderation')
@ApiBearerAuth()
@Controller('api')
export class ModerationController {
  constructor(private readonly moderation: ModerationService) {}

  @Post('comments/:id/remove')
  @HttpCode(200)
  @Roles('moderator', 'admin')
  @ApiOkResponse({ type: CommentDto, description: 'The comment as written, now removed' })
  @ApiErrors(400, 401, 403, 404, 409)
  remove(
    @CurrentUser() moderator: Principal,
    @UuidParam('id') id: string,
    @Body() dto: ReasonDto,
  ): Promise<CommentView> {
    return this.moderation.remove(moderator, id, dto.reason);
  }

  @Post('comments/:id/restore')
  @HttpCode(200)
  @Roles('moderator', 'admin')
  @ApiOkResponse({ type: CommentDto })
  @ApiErrors(400, 401, 403, 404, 409)
  restore(@CurrentUser() moderator: Principal, @UuidParam('id') id: string): Promise<CommentView> {
    return this.moderation.restore(moderator, id);
  }

  @Post('comments/:id/reports')
  @RateLimit('reports')
  @ApiCreatedResponse({ type: ReportCreatedDto })
  @ApiErrors(400, 401, 403, 404, 409, 429)
  report(
    @CurrentUser() reporter: Principal,
    @UuidParam('id') id: string,
    @Body() dto: ReasonDto,
  ): Promise<ReportCreatedDto> {
    return this.moderation.report(reporter, id, dto.reason);
  }

  @Get('moderation/queue')
  @Roles('moderator', 'admin')
  @ApiOkResponse({ type: PageOf(QueueItemDto) })
  @ApiErrors(400, 401, 403)
  queue(@Query() query: QueueQueryDto): Promise<Page<QueueItem>> {
    return query.status === 'pending'
      ? this.moderation.pendingQueue(query.limit, query.cursor)
      : this.moderation.queue(query.limit, query.cursor);
  }

  @Get('moderation/log')
  @Roles('moderator', 'admin')
  @ApiOkResponse({ type: PageOf(LogItemDto) })
  @ApiErrors(400, 401, 403)
  log(@Query() query: PageQueryDto): Promise<Page<LogItem>> {
    return this.moderation.log(query.limit, query.cursor);
  }
}
