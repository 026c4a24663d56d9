import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { DigestKind } from './mail-digest.entity';

/** One notification as a mail tells it. */
export interface DigestItem {
  notificationId: string;
  type: string;
  commentId: string;
  commentStatus: string;
  body: string;
  authorName: string;
  articleTitle: string;
}

/** A digest to send, its recipient as they are now, and what it carries (oldest first). */
export interface DigestToSend {
  id: string;
  kind: DigestKind;
  userId: string;
  createdAt: Date;
  email: string | null;
  emailVerified: boolean;
  emailNotifications: string;
  items: DigestItem[];
}

/** Most notifications one mail lists; the rest are counted. */
export const DIGEST_ITEMS = 50;
/** How long a worker holds a digest it is sending. */
const LEASE = '2 minutes';

type Row = Record<string, unknown>;
const ids = (values: string[]): string => JSON.stringify(values);

/** The mails of notifications (`mail_digests`) and which notifications each carries. */
@Injectable()
export class DigestsRepository {
  constructor(private readonly em: EntityManager) {}

  /** In the drainer's transaction: these notifications are to be mailed in the next batch. */
  async markImmediate(notificationIds: string[]): Promise<void> {
    if (notificationIds.length === 0) return;
    await this.em.execute(
      `UPDATE notifications SET mail_via = 'immediate'
        WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`,
      [ids(notificationIds)],
    );
  }

  /**
   * In a transaction: one new immediate digest with every notification of the user waiting for
   * one; null when none waits. Serialised per user, so a notification is never in two.
   */
  async createImmediate(userId: string): Promise<string | null> {
    await this.em.execute(
      "SELECT pg_advisory_xact_lock(hashtextextended('mail-digest:' || ?, 0))",
      [userId],
    );
    const rows = await this.em.execute<{ id: string }[]>(
      `INSERT INTO mail_digests (id, user_id, kind)
       SELECT gen_random_uuid(), ?, 'immediate'
        WHERE EXISTS (SELECT 1 FROM notifications
                       WHERE user_id = ? AND mail_via = 'immediate' AND mail_digest_id IS NULL)
       RETURNING id`,
      [userId, userId],
    );
    const id = rows[0]?.id;
    if (!id) return null;
    await this.em.execute(
      `UPDATE notifications SET mail_digest_id = ?
        WHERE user_id = ? AND mail_via = 'immediate' AND mail_digest_id IS NULL`,
      [id, userId],
    );
    return id;
  }

  /** The user's digests of this kind not sent yet, oldest first. */
  async unsent(userId: string, kind: DigestKind): Promise<string[]> {
    const rows = await this.em.execute<{ id: string }[]>(
      `SELECT id FROM mail_digests WHERE user_id = ? AND kind = ? AND sent_at IS NULL
        ORDER BY created_at, id`,
      [userId, kind],
    );
    return rows.map((row) => row.id);
  }

  /**
   * In a transaction: the daily digests of `day` for up to `limit` users who want them, have a
   * verified address and unread notifications not mailed yet (made until `until`); each takes
   * those notifications. A user has at most one digest per day, however often this runs.
   */
  async createDaily(day: string, until: Date, limit: number): Promise<string[]> {
    const rows = await this.em.execute<{ id: string }[]>(
      `WITH due AS (
         SELECT u.id AS user_id FROM users u
          WHERE u.email_notifications = 'daily' AND u.email IS NOT NULL AND u.email_verified
            AND u.erased_at IS NULL
            AND EXISTS (SELECT 1 FROM notifications n
                         WHERE n.user_id = u.id AND n.read_at IS NULL
                           AND n.mail_digest_id IS NULL AND n.created_at <= ?)
            AND NOT EXISTS (SELECT 1 FROM mail_digests d
                             WHERE d.user_id = u.id AND d.kind = 'daily' AND d.period = ?)
          ORDER BY u.id LIMIT ?
       ), digests AS (
         INSERT INTO mail_digests (id, user_id, kind, period)
         SELECT gen_random_uuid(), user_id, 'daily', ? FROM due
         ON CONFLICT DO NOTHING
         RETURNING id, user_id
       ), taken AS (
         -- run to completion whether read or not (a data-modifying WITH always is)
         UPDATE notifications n SET mail_digest_id = d.id FROM digests d
          WHERE n.user_id = d.user_id AND n.read_at IS NULL AND n.mail_digest_id IS NULL
            AND n.created_at <= ?
       )
       SELECT id FROM digests`,
      [until, day, limit, day, until],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Takes the digest for sending (a lease): null when it is sent already (or gone), `busy` while
   * another worker holds it.
   */
  async claim(digestId: string): Promise<DigestToSend | 'busy' | null> {
    const claimed = await this.em.execute<Row[]>(
      `UPDATE mail_digests SET lease_until = now() + interval '${LEASE}'
        WHERE id = ? AND sent_at IS NULL AND (lease_until IS NULL OR lease_until < now())
        RETURNING id, kind, user_id, created_at`,
      [digestId],
    );
    const digest = claimed[0];
    if (!digest) {
      const unsent = await this.em.execute<Row[]>(
        'SELECT 1 FROM mail_digests WHERE id = ? AND sent_at IS NULL',
        [digestId],
      );
      return unsent.length > 0 ? 'busy' : null;
    }
    const users = await this.em.execute<Row[]>(
      `SELECT email, email_verified, email_notifications FROM users
        WHERE id = ? AND erased_at IS NULL`,
      [digest.user_id],
    );
    const user = users[0];
    const items = await this.em.execute<Row[]>(
      `SELECT n.id, n.type, c.id AS comment_id, c.body, c.status, a.display_name AS author_name,
              ar.title
         FROM notifications n
         JOIN comments c ON c.id = n.comment_id
         JOIN users a ON a.id = c.author_id
         JOIN articles ar ON ar.id = n.article_id
        WHERE n.mail_digest_id = ?
        ORDER BY n.created_at, n.id`,
      [digestId],
    );
    return {
      id: digest.id as string,
      kind: digest.kind as DigestKind,
      userId: digest.user_id as string,
      createdAt: new Date(digest.created_at as string),
      email: (user?.email as string | null | undefined) ?? null,
      emailVerified: user?.email_verified === true,
      emailNotifications: (user?.email_notifications as string | undefined) ?? 'off',
      items: items.map((row) => ({
        notificationId: row.id as string,
        type: row.type as string,
        commentId: row.comment_id as string,
        commentStatus: row.status as string,
        body: row.body as string,
        authorName: row.author_name as string,
        articleTitle: row.title as string,
      })),
    };
  }

  /** Sent, or dropped for good (nothing to tell, mails turned off, the address unverified). */
  async done(digestId: string): Promise<void> {
    await this.em.execute(
      'UPDATE mail_digests SET sent_at = now(), lease_until = NULL WHERE id = ?',
      [digestId],
    );
  }

  /** The send failed: another attempt may take it at once. */
  async release(digestId: string): Promise<void> {
    await this.em.execute('UPDATE mail_digests SET lease_until = NULL WHERE id = ?', [digestId]);
  }
}
