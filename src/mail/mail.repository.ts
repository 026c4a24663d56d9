import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

export interface MailSettings {
  email: string | null;
  emailVerified: boolean;
  emailNotifications: string;
}

/** What a notification mail needs: its recipient, the comment and where it lives. */
export interface NotificationMail {
  notificationId: string;
  type: string;
  userId: string;
  email: string | null;
  emailVerified: boolean;
  emailNotifications: string;
  commentId: string;
  commentStatus: string;
  body: string;
  authorName: string;
  articleTitle: string;
  articleSlug: string;
}

type Row = Record<string, unknown>;

/** Users' mail settings and the reads of the mail jobs. */
@Injectable()
export class MailRepository {
  constructor(private readonly em: EntityManager) {}

  async settings(userId: string): Promise<MailSettings | null> {
    const rows = await this.em.execute<Row[]>(
      `SELECT email, email_verified, email_notifications FROM users
        WHERE id = ? AND erased_at IS NULL`,
      [userId],
    );
    const row = rows[0];
    return row
      ? {
          email: (row.email as string | null) ?? null,
          emailVerified: row.email_verified as boolean,
          emailNotifications: row.email_notifications as string,
        }
      : null;
  }

  async setNotifications(userId: string, value: string): Promise<void> {
    await this.em.execute('UPDATE users SET email_notifications = ? WHERE id = ?', [value, userId]);
  }

  /** A new address, unverified until its link is followed. */
  async setEmail(userId: string, email: string): Promise<void> {
    await this.em.execute('UPDATE users SET email = ?, email_verified = false WHERE id = ?', [
      email,
      userId,
    ]);
  }

  /** Verifies the address only while it is still the user's (a later change voids the link). */
  async verify(userId: string, email: string): Promise<boolean> {
    const rows = await this.em.execute<Row[]>(
      `UPDATE users SET email_verified = true
        WHERE id = ? AND email = ? AND erased_at IS NULL RETURNING id`,
      [userId, email],
    );
    return rows.length > 0;
  }

  /** Of these users, those whose verified address gets each notification at once. */
  async immediateRecipients(userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.em.execute<{ id: string }[]>(
      `SELECT id FROM users WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)
          AND email IS NOT NULL AND email_verified AND email_notifications = 'immediate'
          AND erased_at IS NULL`,
      [JSON.stringify(userIds)],
    );
    return new Set(rows.map((row) => row.id));
  }

  async notificationMail(notificationId: string): Promise<NotificationMail | null> {
    const rows = await this.em.execute<Row[]>(
      `SELECT n.id, n.type, n.user_id, u.email, u.email_verified, u.email_notifications,
              c.id AS comment_id, c.body, c.status, a.author_name, ar.title, ar.slug
         FROM notifications n
         JOIN users u ON u.id = n.user_id
         JOIN comments c ON c.id = n.comment_id
         JOIN LATERAL (SELECT display_name AS author_name FROM users WHERE id = c.author_id) a ON true
         JOIN articles ar ON ar.id = n.article_id
        WHERE n.id = ? AND u.erased_at IS NULL`,
      [notificationId],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      notificationId: row.id as string,
      type: row.type as string,
      userId: row.user_id as string,
      email: (row.email as string | null) ?? null,
      emailVerified: row.email_verified as boolean,
      emailNotifications: row.email_notifications as string,
      commentId: row.comment_id as string,
      commentStatus: row.status as string,
      body: row.body as string,
      authorName: row.author_name as string,
      articleTitle: row.title as string,
      articleSlug: row.slug as string,
    };
  }
}
