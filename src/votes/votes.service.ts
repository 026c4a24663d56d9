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

/** The most votes one transaction takes. */
export const MAX_BATCH = 500;
/**
 * Transactions in flight at once per instance. An article always goes to the same lane, so its
 * votes are committed in the order they came in.
 */
export const LANES = 4;

interface PendingVote extends VoteChange {
  resolve(outcome: VoteOutcome): void;
  reject(error: unknown): void;
}

interface Written {
  /** the counters of every article of the batch that exists, after the batch */
  tallies: Map<string, TallyRow>;
  /** the articles whose counters the batch changed */
  changed: Set<string>;
}

/**
 * One vote per user, article and dimension, changed by group commit: the votes that arrive
 * while a lane's transaction commits are written together in its next one (the article rows
 * locked in id order, the stored votes read, then every upsert, delete and counter change in
 * one statement). Every vote is still durable, exact and answered only after its COMMIT, but a
 * transaction and a row lock serve many votes, so a hot article takes as many votes per second
 * as many cold ones. Two votes on the same article, user and dimension never share a batch: the
 * later waits for the next, so answers and tallies follow the order the votes came in.
 */
@Injectable()
export class VotesService {
  private readonly logger = new Logger(VotesService.name);
  /** Votes waiting per lane; a lane's entry exists while its batches are running. */
  private readonly lanes = new Map<number, PendingVote[]>();

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
    return this.submit({ articleId, userId, dimension, value });
  }

  retract(userId: string, articleId: string, dimension: Dimension): Promise<VoteOutcome> {
    return this.submit({ articleId, userId, dimension, value: null });
  }

  private submit(change: VoteChange): Promise<VoteOutcome> {
    return new Promise((resolve, reject) => {
      const vote = { ...change, resolve, reject };
      const lane = laneOf(change.articleId);
      const queue = this.lanes.get(lane);
      if (queue) {
        queue.push(vote);
        return;
      }
      this.lanes.set(lane, [vote]);
      void this.drain(lane);
    });
  }

  /** Commits the lane's waiting votes batch after batch until none is left. */
  private async drain(lane: number): Promise<void> {
    const queue = this.lanes.get(lane)!;
    while (queue.length > 0) await this.commit(takeBatch(queue));
    this.lanes.delete(lane);
  }

  /** One transaction for `batch`; settles every vote in it and never throws. */
  private async commit(batch: PendingVote[]): Promise<void> {
    let written: Written;
    try {
      written = await this.write(batch);
    } catch (error) {
      if (batch.length > 1 && !(error instanceof DomainError) && !isDatabaseUnavailable(error)) {
        // one bad vote must not fail the others: each alone, so the error lands where it belongs
        this.logger.warn(`a batch of ${batch.length} votes failed, retrying one by one: ${error}`);
        for (const vote of batch) await this.commit([vote]);
        return;
      }
      for (const vote of batch) vote.reject(error);
      return;
    }
    const committedAt = Date.now();
    const tallies = new Map<string, Tallies>();
    for (const [articleId, row] of written.tallies) {
      tallies.set(articleId, talliesOf(row));
      if (written.changed.has(articleId)) {
        this.events.publish('tally.changed', {
          articleId,
          tallies: tallies.get(articleId)!,
          version: row.tallies_version,
          committedAt,
        });
      }
    }
    for (const vote of batch) {
      const after = tallies.get(vote.articleId);
      if (after) vote.resolve({ tallies: after, myVote: vote.value });
      else vote.reject(new NotFoundError('article'));
    }
  }

  private write(batch: readonly VoteChange[]): Promise<Written> {
    return this.em.transactional(async () => {
      const locked = await this.votes.lockArticles([...new Set(batch.map((v) => v.articleId))]);
      const valid = batch.filter((vote) => locked.has(vote.articleId));
      const stored = valid.length
        ? await this.votes.currentVotes(valid)
        : new Map<string, VoteValue>();
      const deltas = new Map<string, TallyDelta>();
      const changes: VoteChange[] = [];
      for (const { articleId, userId, dimension, value } of valid) {
        const previous = stored.get(voteKey(articleId, userId, dimension)) ?? null;
        if (previous === value) continue;
        let delta = deltas.get(articleId);
        if (!delta) {
          delta = { interesting_up: 0, interesting_down: 0, support_up: 0, support_down: 0 };
          deltas.set(articleId, delta);
        }
        if (previous) delta[COUNTERS[dimension][previous]]--;
        if (value) delta[COUNTERS[dimension][value]]++;
        changes.push({ articleId, userId, dimension, value });
      }
      if (changes.length === 0) return { tallies: locked, changed: new Set() };
      const after = await this.votes.apply(changes, deltas);
      return {
        tallies: new Map([...locked, ...after]),
        changed: new Set(after.keys()),
      };
    });
  }
}

/** Takes up to MAX_BATCH votes with distinct keys from the front of `queue`; repeats wait. */
function takeBatch(queue: PendingVote[]): PendingVote[] {
  const batch: PendingVote[] = [];
  const rest: PendingVote[] = [];
  const keys = new Set<string>();
  for (const vote of queue) {
    const key = voteKey(vote.articleId, vote.userId, vote.dimension);
    // once a key waits, every later vote with it waits too: none overtakes an earlier one
    if (batch.length < MAX_BATCH && !keys.has(key)) batch.push(vote);
    else rest.push(vote);
    keys.add(key);
  }
  queue.splice(0, queue.length, ...rest);
  return batch;
}

/** The lane of an article: the same one every time. */
function laneOf(articleId: string): number {
  let hash = 0;
  for (let i = 0; i < articleId.length; i++) hash = (hash * 31 + articleId.charCodeAt(i)) | 0;
  return Math.abs(hash) % LANES;
}
