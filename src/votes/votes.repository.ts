import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { Dimension, VoteValue } from './vote.entity';

export interface TallyRow {
  interesting_up: number;
  interesting_down: number;
  support_up: number;
  support_down: number;
  tallies_version: number;
}

/** One user's vote on one dimension; `value: null` is no vote (retracted). */
export interface VoteChange {
  userId: string;
  dimension: Dimension;
  value: VoteValue | null;
}

/** How much each counter moves. */
export type TallyDelta = Omit<TallyRow, 'tallies_version'>;

export const COUNTERS: Record<Dimension, Record<VoteValue, keyof TallyDelta>> = {
  interesting: { up: 'interesting_up', down: 'interesting_down' },
  support: { up: 'support_up', down: 'support_down' },
};
const TALLY_COLUMNS = 'interesting_up, interesting_down, support_up, support_down, tallies_version';

/**
 * Votes and the tally counters, in plain SQL inside the caller's transaction. Every write to an
 * article's votes first locks that article's row (`lockTallies`), so the votes read after it
 * stay as read until COMMIT and the counters move by exactly what was written.
 */
@Injectable()
export class VotesRepository {
  constructor(private readonly em: EntityManager) {}

  /** The article's counters, its row locked until the transaction ends; null: no such article. */
  async lockTallies(articleId: string): Promise<TallyRow | null> {
    const rows = await this.em.execute<TallyRow[]>(
      `SELECT ${TALLY_COLUMNS} FROM articles WHERE id = ? FOR UPDATE`,
      [articleId],
    );
    return rows[0] ?? null;
  }

  /** The stored votes of these users on these dimensions, by `voteKey`. */
  async currentVotes(
    articleId: string,
    keys: readonly Omit<VoteChange, 'value'>[],
  ): Promise<Map<string, VoteValue>> {
    const rows = await this.em.execute<
      { user_id: string; dimension: Dimension; value: VoteValue }[]
    >(
      `SELECT v.user_id, v.dimension, v.value
         FROM votes v
         JOIN jsonb_to_recordset(?::jsonb) AS k("userId" uuid, dimension text)
           ON v.user_id = k."userId" AND v.dimension = k.dimension
        WHERE v.article_id = ?`,
      [JSON.stringify(keys.map(({ userId, dimension }) => ({ userId, dimension }))), articleId],
    );
    return new Map(rows.map((row) => [voteKey(row.user_id, row.dimension), row.value]));
  }

  /**
   * Stores `changes` (an upsert per vote, a delete per retraction; one per user and dimension),
   * moves the counters by `delta` and bumps the version, in one statement.
   */
  async apply(
    articleId: string,
    changes: readonly VoteChange[],
    delta: TallyDelta,
  ): Promise<TallyRow> {
    const rows = await this.em.execute<TallyRow[]>(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset(?::jsonb) AS t("userId" uuid, dimension text, value text)
       ), upserted AS (
         INSERT INTO votes (article_id, dimension, user_id, value, created_at, updated_at)
         SELECT ?, dimension, "userId", value, now(), now() FROM input WHERE value IS NOT NULL
         ON CONFLICT (article_id, dimension, user_id)
           DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
         RETURNING 1
       ), deleted AS (
         DELETE FROM votes v USING input i
          WHERE i.value IS NULL AND v.article_id = ? AND v.dimension = i.dimension
            AND v.user_id = i."userId"
         RETURNING 1
       )
       UPDATE articles
          SET interesting_up = interesting_up + ?, interesting_down = interesting_down + ?,
              support_up = support_up + ?, support_down = support_down + ?,
              tallies_version = tallies_version + 1
        WHERE id = ?
       RETURNING ${TALLY_COLUMNS}`,
      [
        JSON.stringify(changes),
        articleId,
        articleId,
        delta.interesting_up,
        delta.interesting_down,
        delta.support_up,
        delta.support_down,
        articleId,
      ],
    );
    return rows[0]!;
  }
}

export function voteKey(userId: string, dimension: Dimension): string {
  return `${userId}:${dimension}`;
}
