import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import type { Page } from '../common/pagination/cursor';
import { PageOf } from '../common/pagination/page.dto';
import {
  ListNotificationsQueryDto,
  MarkReadDto,
  NotificationDto,
  UnreadCountDto,
} from './dto/notification.dto';
import type { NotificationView } from './notification.view';
import { NotificationsService } from './notifications.service';

/** The logged-in user's own inbox. */
@ApiTags('notifications')
@ApiBearerAuth()
@Controller('api/notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOkResponse({ type: PageOf(NotificationDto) })
  @ApiErrors(400, 401)
  list(
    @CurrentUser() user: Principal,
    @Query() query: ListNotificationsQueryDto,
  ): Promise<Page<NotificationView>> {
    return this.notifications.list(user.id, query.unread === true, query.limit, query.cursor);
  }

  @Get('unread-count')
  @ApiOkResponse({ type: UnreadCountDto })
  @ApiErrors(401)
  async unreadCount(@CurrentUser() user: Principal): Promise<UnreadCountDto> {
    return { count: await this.notifications.unreadCount(user.id) };
  }

  @Post('read')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Those notifications (absent: all) are read' })
  @ApiErrors(400, 401)
  async read(@CurrentUser() user: Principal, @Body() dto: MarkReadDto): Promise<void> {
    await this.notifications.markRead(user.id, dto.ids);
  }
}
