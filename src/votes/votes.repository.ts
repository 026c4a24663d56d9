import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { type Tallies, type TallyColumns, talliesOf, tallyColumns } from '../articles/tallies';
import { type VoteChange, voteKey } from './vote-batcher';
import type { Dimension, VoteValue } from './vote.entity';

/** An article's counters and their version. */
export interface ArticleTallies {
  tallies: Tallies;
  version: number;
}

/** How much each counter of one article moves. */
export type TallyDelta = TallyColumns;

interface TallyRow extends TallyColumns {
  id: string;
  tallies_version: number;
}

export const COUNTERS: Record<Dimension, Record<VoteValue, keyof TallyDelta>> = {
  interesting: { up: 'interesting_up', down: 'interesting_down' },
  support: { up: 'support_up', down: 'support_down' },
};
const TALLY_COLUMNS = `${tallyColumns()}, tallies_version`;

/**
 * Votes and the tally counters, in plain SQL inside the caller's transaction. Every write to an
 * article's votes first locks that article's row (`lockArticles`), so the votes read after it
 * stay as read until COMMIT and the counters move by exactly what was written. The statements
 * take many articles at once: JSON arrays in, one round trip each.
 */
@Injectable()
export class VotesRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * The counters of those of `articleIds` that exist, their rows locked until the transaction
   * ends, in id order (so two transactions locking overlapping sets cannot deadlock).
   */
  async lockArticles(articleIds: readonly string[]): Promise<Map<string, ArticleTallies>> {
    const rows = await this.em.execute<TallyRow[]>(
      `SELECT id, ${TALLY_COLUMNS} FROM articles
        WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)
        ORDER BY id FOR UPDATE`,
      [JSON.stringify(articleIds)],
    );
    return byArticle(rows);
  }

  /**
   * In one round trip: the stored votes among `keys`, by `voteKey`, and those of their voters
   * who may not vote now, on the database's clock: `banned` (a ban without end or ending
   * later) or `gone` (erased, or no such user). Read inside the vote's transaction, so a ban or
   * an erasure committed on any instance before it stops the vote, whatever the principal
   * cache of the instance that took the request says.
   */
  async currentVotes(keys: readonly Omit<VoteChange, 'value'>[]): Promise<{
    stored: Map<string, VoteValue>;
    refused: Map<string, 'banned' | 'gone'>;
  }> {
    const rows = await this.em.execute<
      {
        article_id: string | null;
        user_id: string;
        dimension: Dimension | null;
        value: VoteValue | null;
        refused: 'banned' | 'gone' | null;
      }[]
    >(
      // LATERAL: one primary-key lookup per key (a plain join is planned as a scan of votes)
      `WITH k AS (
         SELECT * FROM jsonb_to_recordset(?::jsonb)
           AS k("articleId" uuid, "userId" uuid, dimension text)
       )
       SELECT v.article_id, v.user_id, v.dimension, v.value, NULL AS refused
         FROM k CROSS JOIN LATERAL (
           SELECT article_id, user_id, dimension, value FROM votes
            WHERE article_id = k."articleId" AND dimension = k.dimension AND user_id = k."userId"
         ) v
       UNION ALL
       SELECT NULL, d.id, NULL, NULL,
              CASE WHEN u.id IS NULL OR u.erased_at IS NOT NULL THEN 'gone' ELSE 'banned' END
         FROM (SELECT DISTINCT "userId" AS id FROM k) d
         LEFT JOIN users u ON u.id = d.id
        WHERE u.id IS NULL OR u.erased_at IS NOT NULL
           OR (u.banned_at IS NOT NULL AND (u.banned_until IS NULL OR u.banned_until > now()))`,
      [
        JSON.stringify(
          keys.map(({ articleId, userId, dimension }) => ({ articleId, userId, dimension })),
        ),
      ],
    );
    const stored = new Map<string, VoteValue>();
    const refused = new Map<string, 'banned' | 'gone'>();
    for (const row of rows) {
      if (row.refused) refused.set(row.user_id, row.refused);
      else {
        const key = { articleId: row.article_id!, userId: row.user_id, dimension: row.dimension! };
        stored.set(voteKey(key), row.value!);
      }
    }
    return { stored, refused };
  }

  /**
   * Stores `changes` (an upsert per vote, a delete per retraction; one per article, user and
   * dimension), moves each article's counters by its delta and bumps its version, in one
   * statement; the new counters by article.
   */
  async apply(
    changes: readonly VoteChange[],
    deltas: ReadonlyMap<string, TallyDelta>,
  ): Promise<Map<string, ArticleTallies>> {
    const rows = await this.em.execute<TallyRow[]>(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset(?::jsonb)
           AS t("articleId" uuid, "userId" uuid, dimension text, value text)
       ), upserted AS (
         INSERT INTO votes (article_id, dimension, user_id, value, created_at, updated_at)
         SELECT "articleId", dimension, "userId", value, now(), now() FROM input
          WHERE value IS NOT NULL
         ON CONFLICT (article_id, dimension, user_id)
           DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
         RETURNING 1
       ), deleted AS (
         DELETE FROM votes v USING input i
          WHERE i.value IS NULL AND v.article_id = i."articleId" AND v.dimension = i.dimension
            AND v.user_id = i."userId"
         RETURNING 1
       )
       UPDATE articles a
          SET interesting_up = a.interesting_up + d.interesting_up,
              interesting_down = a.interesting_down + d.interesting_down,
              support_up = a.support_up + d.support_up,
              support_down = a.support_down + d.support_down,
              tallies_version = a.tallies_version + 1
         FROM jsonb_to_recordset(?::jsonb) AS d(id uuid, interesting_up int, interesting_down int,
                                                support_up int, support_down int)
        WHERE a.id = d.id
       RETURNING a.id, ${TALLY_COLUMNS.replace(/(\w+)/g, 'a.$1')}`,
      [
        JSON.stringify(changes),
        JSON.stringify([...deltas].map(([id, delta]) => ({ id, ...delta }))),
      ],
    );
    return byArticle(rows);
  }
}

function byArticle(rows: TallyRow[]): Map<string, ArticleTallies> {
  return new Map(
    rows.map((row) => [row.id, { tallies: talliesOf(row), version: row.tallies_version }]),
  );
}
