import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { isDatabaseUnavailable } from '../common/filters/http-exception.filter';
import { type Tallies, talliesOf } from './tallies';
import type { Dimension, VoteValue } from './vote.entity';
import './vote.events';
import {
  COUNTERS,
  type TallyDelta,
  type TallyRow,
  type VoteChange,
  voteKey,
  VotesRepository,
} from './votes.repository';

export interface VoteOutcome {
  tallies: Tallies;
  myVote: VoteValue | null;
}

/** The most votes one transaction takes for one article. */
export const MAX_BATCH = 500;

interface PendingVote extends VoteChange {
  resolve(outcome: VoteOutcome): void;
  reject(error: unknown): void;
}

/**
 * One vote per user, article and dimension, changed by group commit per article: the votes of
 * one article that arrive while its previous transaction commits are written together in the
 * next one (article row locked first, then the votes read, written and the counters moved in
 * one statement). Every vote is still durable, exact and answered only after its COMMIT; the
 * article row is locked once per batch instead of once per vote, so a hot article takes as many
 * votes as many cold ones. Two votes of one user on one dimension never share a batch: the
 * later one waits for the next, so each answer and the tallies follow the order they came in.
 */
@Injectable()
export class VotesService {
  private readonly logger = new Logger(VotesService.name);
  /** Votes waiting per article; an entry exists while that article's batches are running. */
  private readonly waiting = new Map<string, PendingVote[]>();

  constructor(
    private readonly votes: VotesRepository,
    private readonly em: EntityManager,
    private readonly events: DomainEventBus,
  ) {}

  cast(
    userId: string,
    articleId: string,
    dimension: Dimension,
    value: VoteValue,
  ): Promise<VoteOutcome> {
    return this.submit(articleId, { userId, dimension, value });
  }

  retract(userId: string, articleId: string, dimension: Dimension): Promise<VoteOutcome> {
    return this.submit(articleId, { userId, dimension, value: null });
  }

  private submit(articleId: string, change: VoteChange): Promise<VoteOutcome> {
    return new Promise((resolve, reject) => {
      const vote = { ...change, resolve, reject };
      const queue = this.waiting.get(articleId);
      if (queue) {
        queue.push(vote);
        return;
      }
      this.waiting.set(articleId, [vote]);
      void this.drain(articleId);
    });
  }

  /** Commits the article's waiting votes batch after batch until none is left. */
  private async drain(articleId: string): Promise<void> {
    const queue = this.waiting.get(articleId)!;
    while (queue.length > 0) await this.commit(articleId, takeBatch(queue));
    this.waiting.delete(articleId);
  }

  /** One transaction for `batch`; settles every vote in it and never throws. */
  private async commit(articleId: string, batch: PendingVote[]): Promise<void> {
    let row: TallyRow;
    let changed: boolean;
    try {
      ({ row, changed } = await this.write(articleId, batch));
    } catch (error) {
      if (batch.length > 1 && !(error instanceof DomainError) && !isDatabaseUnavailable(error)) {
        // one bad vote must not fail the others: each alone, so the error lands where it belongs
        this.logger.warn(
          `vote batch of ${batch.length} failed; retrying one by one: ${String(error)}`,
        );
        for (const vote of batch) await this.commit(articleId, [vote]);
        return;
      }
      for (const vote of batch) vote.reject(error);
      return;
    }
    const tallies = talliesOf(row);
    if (changed) {
      this.events.publish('tally.changed', {
        articleId,
        tallies,
        version: row.tallies_version,
        committedAt: Date.now(),
      });
    }
    for (const vote of batch) vote.resolve({ tallies, myVote: vote.value });
  }

  private write(
    articleId: string,
    batch: readonly VoteChange[],
  ): Promise<{ row: TallyRow; changed: boolean }> {
    return this.em.transactional(async () => {
      const row = await this.votes.lockTallies(articleId);
      if (!row) throw new NotFoundError('article');
      const stored = await this.votes.currentVotes(articleId, batch);
      const delta: TallyDelta = {
        interesting_up: 0,
        interesting_down: 0,
        support_up: 0,
        support_down: 0,
      };
      const changes = batch.filter(({ userId, dimension, value }) => {
        const previous = stored.get(voteKey(userId, dimension)) ?? null;
        if (previous === value) return false;
        if (previous) delta[COUNTERS[dimension][previous]]--;
        if (value) delta[COUNTERS[dimension][value]]++;
        return true;
      });
      if (changes.length === 0) return { row, changed: false };
      const stored_ = changes.map(({ userId, dimension, value }) => ({
        userId,
        dimension,
        value,
      }));
      return { row: await this.votes.apply(articleId, stored_, delta), changed: true };
    });
  }
}

/**
 * Takes from the front of `queue` up to MAX_BATCH votes with distinct user and dimension;
 * a repeat stays queued, in order, for a later batch.
 */
function takeBatch(queue: PendingVote[]): PendingVote[] {
  const batch: PendingVote[] = [];
  const keys = new Set<string>();
  const rest: PendingVote[] = [];
  for (const vote of queue) {
    const key = voteKey(vote.userId, vote.dimension);
    if (batch.length < MAX_BATCH && !keys.has(key)) {
      keys.add(key);
      batch.push(vote);
    } else {
      rest.push(vote);
      keys.add(key); // a later vote of the same key must not overtake this one
    }
  }
  queue.splice(0, queue.length, ...rest);
  return batch;
}
