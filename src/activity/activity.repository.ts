import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import {
  type CommentColumns,
  commentColumns,
  type StoredComment,
  storedCommentOf,
} from '../comments/stored-comment';
import type { CommentState, Transition } from './activity';

export interface OutboxItem {
  id: string;
  commentId: string;
  transition: Transition;
}

/** A comment with what its activity needs: its article's site and the author it replies to. */
export interface ActivityComment {
  comment: StoredComment;
  siteId: string | null;
  externalId: string | null;
  parentAuthorId: string | null;
  openReports: number;
}

interface OutboxRow {
  id: string;
  source: 'comment' | 'report';
  comment_id: string;
  before: CommentState | null;
  after: CommentState;
}

interface ActivityRow extends CommentColumns {
  site_id: string | null;
  external_id: string | null;
  parent_author_id: string | null;
  open_reports: number;
}

/** The outbox the comment triggers write, and the comments it names. */
@Injectable()
export class ActivityRepository {
  constructor(private readonly em: EntityManager) {}

  /** The oldest entries no other drainer holds, locked until COMMIT. */
  async take(limit: number): Promise<OutboxItem[]> {
    const rows = await this.em.execute<OutboxRow[]>(
      `SELECT id, source, comment_id, before, after FROM activity_outbox
        ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((row) => ({
      id: String(row.id),
      commentId: row.comment_id,
      transition:
        row.source === 'report'
          ? { source: 'report' }
          : { source: 'comment', before: row.before, after: row.after },
    }));
  }

  async comments(ids: string[]): Promise<Map<string, ActivityComment>> {
    if (ids.length === 0) return new Map();
    const rows = await this.em.execute<ActivityRow[]>(
      `SELECT ${commentColumns({ cursorKey: false })}, a.site_id, a.external_id,
              p.author_id AS parent_author_id,
              (SELECT count(*)::int FROM comment_reports r
                WHERE r.comment_id = c.id AND r.resolved_at IS NULL) AS open_reports
         FROM comments c JOIN users u ON u.id = c.author_id
         JOIN articles a ON a.id = c.article_id
         LEFT JOIN comments p ON p.id = c.parent_id
        WHERE c.id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`,
      [JSON.stringify(ids)],
    );
    return new Map(
      rows.map((row) => [
        row.id,
        {
          comment: storedCommentOf(row),
          siteId: row.site_id,
          externalId: row.external_id,
          parentAuthorId: row.parent_author_id,
          openReports: row.open_reports,
        },
      ]),
    );
  }

  async remove(ids: string[]): Promise<void> {
    if (ids.length > 0) {
      await this.em.execute(
        'DELETE FROM activity_outbox WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::bigint)',
        [JSON.stringify(ids)],
      );
    }
  }
}
