import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

type Row = Record<string, unknown>;

/** Everything stored about one user, read for the export, and the erasure's own writes. */
@Injectable()
export class AccountRepository {
  constructor(private readonly em: EntityManager) {}

  async account(userId: string): Promise<Row | null> {
    const rows = await this.em.execute<Row[]>(
      `SELECT id, username, display_name AS "displayName", role, created_at AS "createdAt",
              email, email_verified AS "emailVerified", banned_at AS "bannedAt",
              banned_until AS "bannedUntil", ban_reason AS "banReason",
              sso_site_id AS "ssoSiteId", sso_subject AS "ssoSubject"
         FROM users WHERE id = ? AND erased_at IS NULL`,
      [userId],
    );
    return rows[0] ?? null;
  }

  comments(userId: string): Promise<Row[]> {
    return this.em.execute<Row[]>(
      `SELECT id, article_id AS "articleId", parent_id AS "parentId", body, status,
              created_at AS "createdAt", edited_at AS "editedAt"
         FROM comments WHERE author_id = ? ORDER BY created_at, id`,
      [userId],
    );
  }

  votes(userId: string): Promise<{ articleId: string; dimension: string; value: string }[]> {
    return this.em.execute(
      `SELECT article_id AS "articleId", dimension, value, created_at AS "createdAt",
              updated_at AS "updatedAt"
         FROM votes WHERE user_id = ? ORDER BY created_at, article_id, dimension`,
      [userId],
    );
  }

  commentVotes(userId: string): Promise<{ commentId: string; value: string }[]> {
    return this.em.execute(
      `SELECT comment_id AS "commentId", value, created_at AS "createdAt"
         FROM comment_votes WHERE user_id = ? ORDER BY created_at, comment_id`,
      [userId],
    );
  }

  reports(userId: string): Promise<Row[]> {
    return this.em.execute<Row[]>(
      `SELECT id, comment_id AS "commentId", reason, created_at AS "createdAt",
              resolved_at AS "resolvedAt"
         FROM comment_reports WHERE reporter_id = ? ORDER BY created_at, id`,
      [userId],
    );
  }

  /** The user's comments that readers still see or moderators hold as removed. */
  async commentsToTombstone(userId: string): Promise<string[]> {
    const rows = await this.em.execute<{ id: string }[]>(
      `SELECT id FROM comments WHERE author_id = ? AND status IN ('visible', 'removed')
        ORDER BY created_at, id`,
      [userId],
    );
    return rows.map((row) => row.id);
  }

  /**
   * The last step of an erasure, in one transaction: bodies, sessions, notifications, names
   * and e-mail go; the row stays (comments and logs point to it) with its username_key, so
   * the name stays reserved; `erased_at` makes every access token of it invalid at once.
   */
  async erase(userId: string): Promise<void> {
    await this.em.execute("UPDATE comments SET body = '' WHERE author_id = ? AND body <> ''", [
      userId,
    ]);
    await this.em.execute(
      'UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = ? AND revoked_at IS NULL',
      [userId],
    );
    await this.em.execute('DELETE FROM notifications WHERE user_id = ?', [userId]);
    await this.em.execute('DELETE FROM mail_digests WHERE user_id = ?', [userId]);
    await this.em.execute(
      `UPDATE users SET username = '[deleted]', display_name = '[deleted]', email = NULL,
              email_verified = false, password_hash = NULL, sso_site_id = NULL, sso_subject = NULL,
              ban_reason = NULL, erased_at = now()
        WHERE id = ?`,
      [userId],
    );
  }
}
