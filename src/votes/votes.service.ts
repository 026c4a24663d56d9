import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { DomainEventBus } from '../common/events/domain-event-bus';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { isDatabaseUnavailable } from '../database/database-errors';
import { type BatchResult, VoteBatcher, type VoteOutcome } from './vote-batcher';
import type { Dimension, VoteValue } from './vote.entity';
import './vote.events';
import { VotesRepository } from './votes.repository';

export type { VoteOutcome } from './vote-batcher';

/** The most votes one transaction takes. */
export const MAX_BATCH = 500;
/** Transactions in flight at once per instance. */
export const LANES = 4;

/**
 * One vote per user, article and dimension, exact under any concurrency. Votes are group
 * committed (VoteBatcher); each batch is one statement and one transaction
 * (`VotesRepository.write`): the article rows locked in id order, the stored votes read with
 * which voters are banned or erased (those are set aside: the ban check lives in the write's
 * own SQL, so it holds on every instance whatever its principal cache says), then every upsert,
 * delete and counter change.
 */
@Injectable()
export class VotesService implements OnApplicationShutdown {
  private readonly logger = new Logger(VotesService.name);
  private readonly batcher: VoteBatcher;

  constructor(
    private readonly votes: VotesRepository,
    private readonly events: DomainEventBus,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.batcher = new VoteBatcher({
      lanes: LANES,
      maxBatch: MAX_BATCH,
      // past it, votes get 503 + Retry-After at once (a slow database, a lock held too long)
      maxQueued: config.voteQueueLimit,
      write: (batch) => this.votes.write(batch),
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

  private publish(result: BatchResult): void {
    const committedAt = Date.now();
    for (const articleId of result.changed) {
      const { tallies, version } = result.tallies.get(articleId)!;
      this.events.publish('tally.changed', { articleId, tallies, version, committedAt });
    }
  }
}
