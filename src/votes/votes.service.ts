import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { DomainEventBus } from '../common/events/domain-event-bus';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { isDatabaseUnavailable } from '../database/database-errors';
import {
  type BatchResult,
  type VoteChange,
  VoteBatcher,
  type VoteOutcome,
  voteKey,
} from './vote-batcher';
import type { Dimension, VoteValue } from './vote.entity';
import './vote.events';
import { COUNTERS, type TallyDelta, VotesRepository } from './votes.repository';

export type { VoteOutcome } from './vote-batcher';

/** The most votes one transaction takes. */
export const MAX_BATCH = 500;
/** Transactions in flight at once per instance. */
export const LANES = 4;

/**
 * One vote per user, article and dimension, exact under any concurrency. Votes are group
 * committed (VoteBatcher); each batch is one transaction: the article rows locked in id order,
 * the stored votes read together with which voters are banned or erased (those are set aside:
 * the ban check lives here, in the write's own SQL, so it holds on every instance whatever its
 * principal cache says), then every upsert, delete and counter change in one statement.
 */
@Injectable()
export class VotesService implements OnApplicationShutdown {
  private readonly logger = new Logger(VotesService.name);
  private readonly batcher: VoteBatcher;

  constructor(
    private readonly votes: VotesRepository,
    private readonly em: EntityManager,
    private readonly events: DomainEventBus,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.batcher = new VoteBatcher({
      lanes: LANES,
      maxBatch: MAX_BATCH,
      // past it, votes get 503 + Retry-After at once (a slow database, a lock held too long)
      maxQueued: config.voteQueueLimit,
      write: (batch) => this.write(batch),
      committed: (result) => this.publish(result),
      isolatable: (error) => !(error instanceof DomainError) && !isDatabaseUnavailable(error),
      warn: (message) => this.logger.warn(message),
    });
  }

  cast(
    userId: string,
    articleId: string,
    dimension: Dimension,
    value: VoteValue,
  ): Promise<VoteOutcome> {
    return this.batcher.submit({ articleId, userId, dimension, value });
  }

  retract(userId: string, articleId: string, dimension: Dimension): Promise<VoteOutcome> {
    return this.batcher.submit({ articleId, userId, dimension, value: null });
  }

  /** Every vote taken is committed and answered before the database pool closes. */
  onApplicationShutdown(): Promise<void> {
    return this.batcher.drained();
  }

  private write(batch: readonly VoteChange[]): Promise<BatchResult> {
    return this.em.transactional(async () => {
      const locked = await this.votes.lockArticles([...new Set(batch.map((v) => v.articleId))]);
      // every vote of the batch, so a banned voter is told so even on an unknown article
      const { stored, refused } = await this.votes.currentVotes(batch);
      const valid = batch.filter((vote) => locked.has(vote.articleId) && !refused.has(vote.userId));
      const deltas = new Map<string, TallyDelta>();
      const changes: VoteChange[] = [];
      for (const { articleId, userId, dimension, value } of valid) {
        const previous = stored.get(voteKey({ articleId, userId, dimension })) ?? null;
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
      if (changes.length === 0) return { tallies: locked, changed: new Set<string>(), refused };
      const after = await this.votes.apply(changes, deltas);
      return { tallies: new Map([...locked, ...after]), changed: new Set(after.keys()), refused };
    });
  }

  private publish(result: BatchResult): void {
    const committedAt = Date.now();
    for (const articleId of result.changed) {
      const { tallies, version } = result.tallies.get(articleId)!;
      this.events.publish('tally.changed', { articleId, tallies, version, committedAt });
    }
  }
}
