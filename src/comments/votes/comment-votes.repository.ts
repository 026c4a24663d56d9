import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { CommentStatus } from '../comment.entity';
import type { CommentVoteValue } from '../comment-vote.entity';

export interface ScoredComment {
  id: string;
  articleId: string;
  authorId: string;
  status: CommentStatus;
  score: { up: number; down: number };
  version: number;
}

interface ScoreRow {
  id: string;
  article_id: string;
  author_id: string;
  status: CommentStatus;
  score_up: number;
  score_down: number;
  score_version: number;
}

const COLUMNS = 'id, article_id, author_id, status, score_up, score_down, score_version';

/**
 * Comment votes and the score counters, in separate statements inside the caller's
 * transaction: the comment row is locked first, so the vote read after it stays as read until
 * COMMIT and the counters move by exactly what was written (one CTE would read a stale snapshot).
 */
@Injectable()
export class CommentVotesRepository {
  constructor(private readonly em: EntityManager) {}

  async lockComment(id: string): Promise<ScoredComment | null> {
    const rows = await this.em.execute<ScoreRow[]>(
      `SELECT ${COLUMNS} FROM comments WHERE id = ? FOR UPDATE`,
      [id],
    );
    return rows[0] ? scoredOf(rows[0]) : null;
  }

  async vote(commentId: string, userId: string): Promise<CommentVoteValue | null> {
    const rows = await this.em.execute<{ value: CommentVoteValue }[]>(
      'SELECT value FROM comment_votes WHERE comment_id = ? AND user_id = ?',
      [commentId, userId],
    );
    return rows[0]?.value ?? null;
  }

  async store(commentId: string, userId: string, value: CommentVoteValue | null): Promise<void> {
    if (value === null) {
      await this.em.execute('DELETE FROM comment_votes WHERE comment_id = ? AND user_id = ?', [
        commentId,
        userId,
      ]);
      return;
    }
    await this.em.execute(
      `INSERT INTO comment_votes (comment_id, user_id, value, created_at)
       VALUES (?, ?, ?, clock_timestamp())
       ON CONFLICT (comment_id, user_id) DO UPDATE SET value = excluded.value`,
      [commentId, userId, value],
    );
  }

  /** Moves the counters and the version; the new score. */
  async move(commentId: string, up: number, down: number): Promise<ScoredComment> {
    const rows = await this.em.execute<ScoreRow[]>(
      `UPDATE comments SET score_up = score_up + ?, score_down = score_down + ?,
              score_version = score_version + 1
        WHERE id = ? RETURNING ${COLUMNS}`,
      [up, down, commentId],
    );
    return scoredOf(rows[0]!);
  }
}

function scoredOf(row: ScoreRow): ScoredComment {
  return {
    id: row.id,
    articleId: row.article_id,
    authorId: row.author_id,
    status: row.status,
    score: { up: row.score_up, down: row.score_down },
    version: row.score_version,
  };
}
