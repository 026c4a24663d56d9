import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import {
  type CommentColumns,
  commentColumns,
  type StoredComment,
  storedCommentOf,
} from '../comments/stored-comment';

/** A reported comment awaiting a moderator. */
export interface QueueEntry {
  comment: StoredComment;
  reportCount: number;
  reasons: string[];
}

/** An entry of the moderation log, with its moderator's names (null once erased). */
export interface LogEntry {
  id: string;
  action: string;
  moderator: { id: string; username: string | null; displayName: string | null };
  targetType: string;
  targetId: string;
  reason: string | null;
  createdAt: Date;
  /** createdAt at microsecond precision, for cursors. */
  createdKey: string;
}

interface QueueRow extends CommentColumns {
  report_count: number;
  reasons: string[];
}

interface LogRow {
  id: string;
  action: string;
  moderator_id: string;
  moderator_username: string | null;
  moderator_display_name: string | null;
  target_type: string;
  target_id: string;
  reason: string | null;
  created_at: Date;
  created_key: string;
}

/** Reports, the moderation queue and the moderation log. */
@Injectable()
export class ModerationRepository {
  constructor(private readonly em: EntityManager) {}

  /** False when this user already reported this comment. */
  async insertReport(
    commentId: string,
    reporterId: string,
    reason: string,
  ): Promise<string | null> {
    try {
      const rows = await this.em.execute<{ id: string }[]>(
        `INSERT INTO comment_reports (id, comment_id, reporter_id, reason, created_at)
         VALUES (gen_random_uuid(), ?, ?, ?, clock_timestamp()) RETURNING id`,
        [commentId, reporterId, reason],
      );
      return rows[0]!.id;
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) return null;
      throw error;
    }
  }

  async openReportCount(commentId: string): Promise<number> {
    const rows = await this.em.execute<{ count: string }[]>(
      'SELECT count(*) FROM comment_reports WHERE comment_id = ? AND resolved_at IS NULL',
      [commentId],
    );
    return Number(rows[0]?.count ?? 0);
  }

  async resolveReports(commentId: string): Promise<void> {
    await this.em.execute(
      'UPDATE comment_reports SET resolved_at = clock_timestamp() WHERE comment_id = ? AND resolved_at IS NULL',
      [commentId],
    );
  }

  /** Visible comments with open reports, most reported first; `offset` paging. */
  async queue(limit: number, offset: number): Promise<QueueEntry[]> {
    const rows = await this.em.execute<QueueRow[]>(
      `SELECT ${commentColumns({ cursorKey: false })},
              r.report_count::integer AS report_count, r.reasons
         FROM (SELECT comment_id, count(*) AS report_count, max(created_at) AS latest,
                      array_agg(reason ORDER BY created_at) AS reasons
                 FROM comment_reports WHERE resolved_at IS NULL GROUP BY comment_id) r
         JOIN comments c ON c.id = r.comment_id AND c.status = 'visible'
         JOIN users u ON u.id = c.author_id
        ORDER BY r.report_count DESC, r.latest DESC, c.id DESC
        LIMIT ? OFFSET ?`,
      [limit, offset],
    );
    return rows.map((row) => ({
      comment: storedCommentOf(row),
      reportCount: row.report_count,
      reasons: row.reasons,
    }));
  }

  /** Held comments, oldest first; `after` is the (created_at, id) of the last one already seen. */
  async pending(
    limit: number,
    after?: { createdKey: string; id: string },
  ): Promise<StoredComment[]> {
    const keyset = after ? 'AND (c.created_at, c.id) > (?::timestamptz, ?::uuid)' : '';
    const rows = await this.em.execute<CommentColumns[]>(
      `SELECT ${commentColumns({ cursorKey: true })}
         FROM comments c JOIN users u ON u.id = c.author_id
        WHERE c.status = 'pending' ${keyset}
        ORDER BY c.created_at, c.id
        LIMIT ?`,
      [...(after ? [after.createdKey, after.id] : []), limit],
    );
    return rows.map(storedCommentOf);
  }

  /** Newest first; `after` is the (created_at, id) of the last entry already seen. */
  async log(limit: number, after?: { createdKey: string; id: string }): Promise<LogEntry[]> {
    const keyset = after ? 'WHERE (l.created_at, l.id) < (?::timestamptz, ?::uuid)' : '';
    const rows = await this.em.execute<LogRow[]>(
      `SELECT l.id, l.action, l.moderator_id, u.username AS moderator_username,
              u.display_name AS moderator_display_name, l.target_type, l.target_id, l.reason, l.created_at,
              to_char(l.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_key
         FROM moderation_log l LEFT JOIN users u ON u.id = l.moderator_id
         ${keyset}
        ORDER BY l.created_at DESC, l.id DESC
        LIMIT ?`,
      [...(after ? [after.createdKey, after.id] : []), limit],
    );
    return rows.map((row) => ({
      id: row.id,
      action: row.action,
      moderator: {
        id: row.moderator_id,
        username: row.moderator_username,
        displayName: row.moderator_display_name,
      },
      targetType: row.target_type,
      targetId: row.target_id,
      reason: row.reason,
      createdAt: new Date(row.created_at),
      createdKey: row.created_key,
    }));
  }
}
