import { type CommentView, toCommentView } from '../comments/comment.view';
import type { StoredComment } from '../comments/stored-comment';
import type { NotificationType } from './notification.entity';

/** `Notification` of the contract. */
export interface NotificationView {
  id: string;
  type: NotificationType;
  articleId: string;
  comment: CommentView;
  createdAt: string;
  readAt: string | null;
}

export interface StoredNotification {
  id: string;
  userId: string;
  type: NotificationType;
  articleId: string;
  comment: StoredComment;
  createdAt: Date;
  /** createdAt at microsecond precision, for cursors. */
  createdKey: string;
  readAt: Date | null;
}

/**
 * `comment` is the reply for `reply`, shown as readers see it now; else the user's own comment
 * as its author sees it, body included (also once removed or rejected).
 */
export function toNotificationView(notification: StoredNotification): NotificationView {
  return {
    id: notification.id,
    type: notification.type,
    articleId: notification.articleId,
    comment: toCommentView(notification.comment, notification.type !== 'reply'),
    createdAt: notification.createdAt.toISOString(),
    readAt: notification.readAt ? notification.readAt.toISOString() : null,
  };
}
