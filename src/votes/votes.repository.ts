import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { type Tallies, type TallyColumns, talliesOf } from '../articles/tallies';
import type { WriteRefusal } from '../common/auth/write-refusal';
import type { BatchResult, VoteChange } from './vote-batcher';

/** An article's counters and their version. */
export interface ArticleTallies {
  tallies: Tallies;
  version: number;
}

/** A row of `townhall_write_votes`: an article of the batch, or a voter refused. */
interface WriteRow extends TallyColumns {
  kind: 'article' | 'refused';
  id: string;
  version: number;
  changed: boolean;
  reason: WriteRefusal | null;
}

/**
 * Votes and the tally counters. A batch is one statement, `townhall_write_votes` (migration
 * Migration20261208031500): the batch's articles locked in id order (two batches locking
 * overlapping sets cannot deadlock), then, under that lock, the stored votes and the voters who
 * may not vote read, every upsert and delete written and each article's counters moved by
 * exactly what was written, in one round trip and one transaction.
 */
@Injectable()
export class VotesRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Writes `batch` (one change per article, user and dimension) and answers, for every article
   * of it that exists, its counters after the batch; `changed` names those the batch moved.
   * Voters who may not vote now, on the database's clock, are `refused` and nothing of theirs
   * is written: `banned` (a ban without end or ending later) or `gone` (erased, or no such
   * user). Read inside the write, so a ban or an erasure committed on any instance before it
   * stops the vote, whatever the principal cache of the instance that took the request says.
   */
  async write(batch: readonly VoteChange[]): Promise<BatchResult> {
    const rows = await this.em.execute<WriteRow[]>('SELECT * FROM townhall_write_votes(?::jsonb)', [
      JSON.stringify(
        batch.map(({ articleId, userId, dimension, value }) => ({
          articleId,
          userId,
          dimension,
          value,
        })),
      ),
    ]);
    const result: BatchResult = { tallies: new Map(), changed: new Set(), refused: new Map() };
    for (const row of rows) {
      if (row.kind === 'refused') {
        result.refused!.set(row.id, row.reason!);
        continue;
      }
      result.tallies.set(row.id, { tallies: talliesOf(row), version: row.version });
      if (row.changed) result.changed.add(row.id);
    }
    return result;
  }
}
