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

/** One user's vote on one comment; `value: null` is no vote (retracted). */
export interface CommentVoteChange {
  commentId: string;
  userId: string;
  value: CommentVoteValue | null;
}

/** How far one batch moves one comment's counters. */
export interface ScoreDelta {
  up: number;
  down: number;
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

export function commentVoteKey(vote: Pick<CommentVoteChange, 'commentId' | 'userId'>): string {
  return `${vote.commentId}:${vote.userId}`;
}

/**
 * Comment votes and the score counters, for a batch of votes inside the caller's transaction:
 * the comment rows are locked first (in id order), so the votes read after them stay as read
 * until COMMIT and the counters move by exactly what was written (one CTE would read a stale
 * snapshot). Each statement takes the whole batch: JSON arrays in, one round trip each.
 */
@Injectable()
export class CommentVotesRepository {
  constructor(private readonly em: EntityManager) {}

  async lockComments(ids: readonly string[]): Promise<Map<string, ScoredComment>> {
    const rows = await this.em.execute<ScoreRow[]>(
      `SELECT ${COLUMNS} FROM comments
        WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)
        ORDER BY id FOR UPDATE`,
      [JSON.stringify(ids)],
    );
    return byComment(rows);
  }

  /** The stored votes among `keys`, by `commentVoteKey`. */
  async currentVotes(
    keys: readonly Omit<CommentVoteChange, 'value'>[],
  ): Promise<Map<string, CommentVoteValue>> {
    const rows = await this.em.execute<
      { comment_id: string; user_id: string; value: CommentVoteValue }[]
    >(
      `SELECT v.comment_id, v.user_id, v.value
         FROM jsonb_to_recordset(?::jsonb) AS k("commentId" uuid, "userId" uuid)
        CROSS JOIN LATERAL (
          SELECT comment_id, user_id, value FROM comment_votes
           WHERE comment_id = k."commentId" AND user_id = k."userId"
        ) v`,
      [JSON.stringify(keys.map(({ commentId, userId }) => ({ commentId, userId })))],
    );
    return new Map(
      rows.map((row) => [
        commentVoteKey({ commentId: row.comment_id, userId: row.user_id }),
        row.value,
      ]),
    );
  }

  /**
   * Stores `changes` (an upsert per vote, a delete per retraction; one per comment and user),
   * moves each comment's counters by its delta and bumps its version, in one statement; the
   * new scores by comment.
   */
  async apply(
    changes: readonly CommentVoteChange[],
    deltas: ReadonlyMap<string, ScoreDelta>,
  ): Promise<Map<string, ScoredComment>> {
    const rows = await this.em.execute<ScoreRow[]>(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset(?::jsonb) AS t("commentId" uuid, "userId" uuid, value text)
       ), upserted AS (
         INSERT INTO comment_votes (comment_id, user_id, value, created_at)
         SELECT "commentId", "userId", value, clock_timestamp() FROM input WHERE value IS NOT NULL
         ON CONFLICT (comment_id, user_id) DO UPDATE SET value = excluded.value
         RETURNING 1
       ), deleted AS (
         DELETE FROM comment_votes v USING input i
          WHERE i.value IS NULL AND v.comment_id = i."commentId" AND v.user_id = i."userId"
         RETURNING 1
       )
       UPDATE comments c
          SET score_up = c.score_up + d.up, score_down = c.score_down + d.down,
              score_version = c.score_version + 1
         FROM jsonb_to_recordset(?::jsonb) AS d(id uuid, up int, down int)
        WHERE c.id = d.id
       RETURNING ${COLUMNS.replace(/(\w+)/g, 'c.$1')}`,
      [
        JSON.stringify(changes),
        JSON.stringify([...deltas].map(([id, delta]) => ({ id, ...delta }))),
      ],
    );
    return byComment(rows);
  }
}

function byComment(rows: ScoreRow[]): Map<string, ScoredComment> {
  return new Map(
    rows.map((row) => [
      row.id,
      {
        id: row.id,
        articleId: row.article_id,
        authorId: row.author_id,
        status: row.status,
        score: { up: row.score_up, down: row.score_down },
        version: row.score_version,
      },
    ]),
  );
}
