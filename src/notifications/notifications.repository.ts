import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { type CommentColumns, commentColumns, storedCommentOf } from '../comments/stored-comment';
import type { NotificationType } from './notification.entity';
import type { StoredNotification } from './notification.view';

export interface NewNotification {
  userId: string;
  type: NotificationType;
  articleId: string;
  commentId: string;
}

interface NotificationRow extends CommentColumns {
  notification_id: string;
  user_id: string;
  type: NotificationType;
  notification_article_id: string;
  notification_created_at: Date;
  notification_created_key: string;
  read_at: Date | null;
}

const SELECT = `SELECT n.id AS notification_id, n.user_id, n.type, n.article_id AS notification_article_id,
       n.created_at AS notification_created_at, n.read_at,
       to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS notification_created_key,
       ${commentColumns({ cursorKey: false })}
  FROM notifications n
  JOIN comments c ON c.id = n.comment_id
  JOIN users u ON u.id = c.author_id`;

/** Users' notifications, each with the comment it is about. */
@Injectable()
export class NotificationsRepository {
  constructor(private readonly em: EntityManager) {}

  /** Inserts in the current transaction; returns them as stored, in the given order. */
  async insert(notifications: NewNotification[]): Promise<StoredNotification[]> {
    if (notifications.length === 0) return [];
    const ids = await this.em.execute<{ id: string }[]>(
      `INSERT INTO notifications (id, user_id, type, article_id, comment_id)
       SELECT gen_random_uuid(), x.user_id, x.type, x.article_id, x.comment_id
         FROM jsonb_to_recordset(?::jsonb) AS x(user_id uuid, type text, article_id uuid, comment_id uuid, ord int)
        ORDER BY x.ord
       RETURNING id`,
      [
        JSON.stringify(
          notifications.map((n, ord) => ({
            user_id: n.userId,
            type: n.type,
            article_id: n.articleId,
            comment_id: n.commentId,
            ord,
          })),
        ),
      ],
    );
    const rows = await this.em.execute<NotificationRow[]>(
      `${SELECT} WHERE n.id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`,
      [JSON.stringify(ids.map((row) => row.id))],
    );
    const byId = new Map(rows.map((row) => [row.notification_id, storedNotificationOf(row)]));
    return ids.map((row) => byId.get(row.id)!);
  }

  /** Newest first, after the (createdKey, id) of the previous page. */
  async list(
    userId: string,
    unreadOnly: boolean,
    limit: number,
    after?: { createdKey: string; id: string },
  ): Promise<StoredNotification[]> {
    const params: unknown[] = [userId];
    let where = 'n.user_id = ?';
    if (unreadOnly) where += ' AND n.read_at IS NULL';
    if (after) {
      where += ' AND (n.created_at, n.id) < (?::timestamptz, ?::uuid)';
      params.push(after.createdKey, after.id);
    }
    params.push(limit);
    const rows = await this.em.execute<NotificationRow[]>(
      `${SELECT} WHERE ${where} ORDER BY n.created_at DESC, n.id DESC LIMIT ?`,
      params,
    );
    return rows.map(storedNotificationOf);
  }

  async unreadCount(userId: string): Promise<number> {
    const rows = await this.em.execute<{ count: number }[]>(
      'SELECT count(*)::int AS count FROM notifications WHERE user_id = ? AND read_at IS NULL',
      [userId],
    );
    return rows[0]?.count ?? 0;
  }

  /** Marks the user's own unread notifications read: those of `ids`, or all. */
  async markRead(userId: string, ids?: string[]): Promise<void> {
    if (ids === undefined) {
      await this.em.execute(
        'UPDATE notifications SET read_at = now() WHERE user_id = ? AND read_at IS NULL',
        [userId],
      );
      return;
    }
    if (ids.length === 0) return;
    await this.em.execute(
      `UPDATE notifications SET read_at = now()
        WHERE user_id = ? AND read_at IS NULL AND id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`,
      [userId, JSON.stringify(ids)],
    );
  }

  async allOf(userId: string): Promise<StoredNotification[]> {
    const rows = await this.em.execute<NotificationRow[]>(
      `${SELECT} WHERE n.user_id = ? ORDER BY n.created_at DESC, n.id DESC`,
      [userId],
    );
    return rows.map(storedNotificationOf);
  }
}

function storedNotificationOf(row: NotificationRow): StoredNotification {
  return {
    id: row.notification_id,
    userId: row.user_id,
    type: row.type,
    articleId: row.notification_article_id,
    comment: storedCommentOf(row),
    createdAt: new Date(row.notification_created_at),
    createdKey: row.notification_created_key,
    readAt: row.read_at ? new Date(row.read_at) : null,
  };
}
