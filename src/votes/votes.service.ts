import { EntityManager, ForeignKeyConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { NotFoundError } from '../common/errors/domain-error';
import { type Tallies, talliesOf } from './tallies';
import type { Dimension, VoteValue } from './vote.entity';
import './vote.events';
import { type TallyRow, VotesRepository } from './votes.repository';

export interface VoteOutcome {
  tallies: Tallies;
  myVote: VoteValue | null;
}

/** Each attempt only follows another request of the same user that committed meanwhile. */
const MAX_INSERT_ATTEMPTS = 20;

interface Applied {
  row: TallyRow;
  changed: boolean;
}

/**
 * One vote per user, article and dimension. The vote and the counters change in one
 * transaction (vote row locked first, then the article row: one lock order, no deadlock);
 * the answer and the `tally.changed` event follow the COMMIT.
 */
@Injectable()
export class VotesService {
  constructor(
    private readonly votes: VotesRepository,
    private readonly em: EntityManager,
    private readonly events: DomainEventBus,
  ) {}

  async cast(
    userId: string,
    articleId: string,
    dimension: Dimension,
    value: VoteValue,
  ): Promise<VoteOutcome> {
    const applied = await this.inTransaction(articleId, async () => {
      let previous = await this.votes.lockVote(articleId, dimension, userId);
      // No row: insert it. When the same user's concurrent request inserted one first, the
      // insert waits for it and does nothing; that row may since have been deleted again by
      // a third request, so look again until there is a row to lock or ours went in.
      for (let attempt = 0; previous === null; attempt++) {
        if (await this.votes.insertVote(articleId, dimension, userId, value)) {
          return {
            row: await this.votes.adjustTallies(articleId, dimension, null, value),
            changed: true,
          };
        }
        if (attempt === MAX_INSERT_ATTEMPTS) throw new Error('vote kept being raced; giving up');
        previous = await this.votes.lockVote(articleId, dimension, userId);
      }
      if (previous === value) return this.unchanged(articleId);
      await this.votes.updateVote(articleId, dimension, userId, value);
      return {
        row: await this.votes.adjustTallies(articleId, dimension, previous, value),
        changed: true,
      };
    });
    return this.answer(articleId, applied, value);
  }

  async retract(userId: string, articleId: string, dimension: Dimension): Promise<VoteOutcome> {
    const applied = await this.inTransaction(articleId, async () => {
      const previous = await this.votes.lockVote(articleId, dimension, userId);
      if (previous === null) return this.unchanged(articleId);
      await this.votes.deleteVote(articleId, dimension, userId);
      return {
        row: await this.votes.adjustTallies(articleId, dimension, previous, null),
        changed: true,
      };
    });
    return this.answer(articleId, applied, null);
  }

  private async inTransaction(articleId: string, work: () => Promise<Applied>): Promise<Applied> {
    try {
      return await this.em.transactional(async () => {
        if (!(await this.votes.articleExists(articleId))) throw new NotFoundError('article');
        return work();
      });
    } catch (error) {
      // the article was deleted while we voted
      if (error instanceof ForeignKeyConstraintViolationException)
        throw new NotFoundError('article');
      throw error;
    }
  }

  private async unchanged(articleId: string): Promise<Applied> {
    const row = await this.votes.readTallies(articleId);
    if (!row) throw new NotFoundError('article');
    return { row, changed: false };
  }

  private answer(articleId: string, applied: Applied, myVote: VoteValue | null): VoteOutcome {
    const tallies = talliesOf(applied.row);
    if (applied.changed) {
      this.events.publish('tally.changed', {
        articleId,
        tallies,
        version: applied.row.tallies_version,
      });
    }
    return { tallies, myVote };
  }
}
