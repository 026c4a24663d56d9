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

const COUNTERS: Record<Dimension, Record<VoteValue, string>> = {
  interesting: { up: 'interesting_up', down: 'interesting_down' },
  support: { up: 'support_up', down: 'support_down' },
};
const TALLY_COLUMNS = 'interesting_up, interesting_down, support_up, support_down, tallies_version';

/**
 * Votes and the tally counters, in plain SQL statements run one after the other inside the
 * caller's transaction. (A single statement with a CTE that reads the old vote and upserts
 * it overcounts under concurrency: its sub-statements share one snapshot.)
 */
@Injectable()
export class VotesRepository {
  constructor(private readonly em: EntityManager) {}

  async articleExists(articleId: string): Promise<boolean> {
    const rows = await this.em.execute<unknown[]>('SELECT 1 FROM articles WHERE id = ?', [
      articleId,
    ]);
    return rows.length > 0;
  }

  /** The caller's current vote, row-locked until the transaction ends. */
  async lockVote(
    articleId: string,
    dimension: Dimension,
    userId: string,
  ): Promise<VoteValue | null> {
    const rows = await this.em.execute<{ value: VoteValue }[]>(
      'SELECT value FROM votes WHERE article_id = ? AND dimension = ? AND user_id = ? FOR UPDATE',
      [articleId, dimension, userId],
    );
    return rows[0]?.value ?? null;
  }

  /** False when a concurrent transaction inserted this vote first (it then waits for it). */
  async insertVote(
    articleId: string,
    dimension: Dimension,
    userId: string,
    value: VoteValue,
  ): Promise<boolean> {
    const rows = await this.em.execute<unknown[]>(
      `INSERT INTO votes (article_id, dimension, user_id, value, created_at, updated_at)
       VALUES (?, ?, ?, ?, now(), now()) ON CONFLICT DO NOTHING RETURNING 1`,
      [articleId, dimension, userId, value],
    );
    return rows.length > 0;
  }

  async updateVote(
    articleId: string,
    dimension: Dimension,
    userId: string,
    value: VoteValue,
  ): Promise<void> {
    await this.em.execute(
      'UPDATE votes SET value = ?, updated_at = now() WHERE article_id = ? AND dimension = ? AND user_id = ?',
      [value, articleId, dimension, userId],
    );
  }

  async deleteVote(articleId: string, dimension: Dimension, userId: string): Promise<void> {
    await this.em.execute(
      'DELETE FROM votes WHERE article_id = ? AND dimension = ? AND user_id = ?',
      [articleId, dimension, userId],
    );
  }

  /** Moves the counters from `from` to `to` (either may be null) and bumps the version. */
  async adjustTallies(
    articleId: string,
    dimension: Dimension,
    from: VoteValue | null,
    to: VoteValue | null,
  ): Promise<TallyRow> {
    const changes = [
      ...(from ? [`${COUNTERS[dimension][from]} = ${COUNTERS[dimension][from]} - 1`] : []),
      ...(to ? [`${COUNTERS[dimension][to]} = ${COUNTERS[dimension][to]} + 1`] : []),
      'tallies_version = tallies_version + 1',
    ];
    const rows = await this.em.execute<TallyRow[]>(
      `UPDATE articles SET ${changes.join(', ')} WHERE id = ? RETURNING ${TALLY_COLUMNS}`,
      [articleId],
    );
    return rows[0]!;
  }

  async readTallies(articleId: string): Promise<TallyRow | null> {
    const rows = await this.em.execute<TallyRow[]>(
      `SELECT ${TALLY_COLUMNS} FROM articles WHERE id = ?`,
      [articleId],
    );
    return rows[0] ?? null;
  }
}
