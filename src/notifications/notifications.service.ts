import { Injectable } from '@nestjs/common';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { cursorCodec, type Page, toPage } from '../common/pagination/cursor';
import './notification.events';
import {
  toNotificationView,
  type NotificationView,
  type StoredNotification,
} from './notification.view';
import { type NewNotification, NotificationsRepository } from './notifications.repository';

const CURSOR = cursorCodec('instant', 'uuid');

/** A user's inbox; notifications are written by the activity drainer through `record`. */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly notifications: NotificationsRepository,
    private readonly events: DomainEventBus,
  ) {}

  /** Inside the caller's transaction; call `announce` with the result after COMMIT. */
  record(notifications: NewNotification[]): Promise<StoredNotification[]> {
    return this.notifications.insert(notifications);
  }

  /** After COMMIT: each notification goes to its user's sockets on every instance. */
  announce(notifications: StoredNotification[]): void {
    for (const stored of notifications) {
      const notification = toNotificationView(stored);
      this.events.publish('notification.created', { userId: stored.userId, notification });
    }
  }

  async list(
    userId: string,
    unreadOnly: boolean,
    limit: number,
    cursor?: string,
  ): Promise<Page<NotificationView>> {
    const after = cursor ? CURSOR.decode(cursor) : undefined;
    const rows = await this.notifications.list(
      userId,
      unreadOnly,
      limit + 1,
      after ? { createdKey: after[0], id: after[1] } : undefined,
    );
    return toPage(rows, limit, toNotificationView, (row) =>
      CURSOR.encode([row.createdKey, row.id]),
    );
  }

  unreadCount(userId: string): Promise<number> {
    return this.notifications.unreadCount(userId);
  }

  /** Every notification of the user, newest first (the account export). */
  allOf(userId: string): Promise<StoredNotification[]> {
    return this.notifications.allOf(userId);
  }

  markRead(userId: string, ids?: string[]): Promise<void> {
    return this.notifications.markRead(userId, ids);
  }
}
