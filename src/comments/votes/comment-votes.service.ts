import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal';
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  NotFoundError,
} from '../../common/errors/domain-error';
import { DomainEventBus } from '../../common/events/domain-event-bus';
import { GroupCommit } from '../../common/group-commit/group-commit';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { isDatabaseUnavailable } from '../../database/database-errors';
import { UNPUBLISHED_STATUSES } from '../comment.entity';
import type { CommentVoteValue } from '../comment-vote.entity';
import './comment-score.events';
import {
  type CommentVoteChange,
  commentVoteKey,
  CommentVotesRepository,
  type ScoreDelta,
  type ScoredComment,
} from './comment-votes.repository';

export interface CommentVoteResult {
  score: { up: number; down: number };
  myVote: CommentVoteValue | null;
}

/** What one committed batch did. */
interface CommentBatchResult {
  /** The comments of the batch after it (those that exist). */
  comments: Map<string, ScoredComment>;
  /** The comments whose score the batch moved. */
  changed: Set<string>;
  /** The votes the batch refused, by commentVoteKey. */
  refused: Map<string, DomainError>;
}

/** The most votes one transaction takes. */
const MAX_BATCH = 500;
/** Transactions in flight at once per instance. */
const LANES = 4;

/**
 * Up and down votes on visible comments, one per user and comment, never on one's own. Exact
 * under any concurrency: votes are group committed (GroupCommit, as article votes), each batch
 * one transaction that locks its comments' rows first (the lock every other change of a comment
 * takes first too), reads the stored votes, and writes every vote and counter in one statement.
 */
@Injectable()
export class CommentVotesService implements OnApplicationShutdown {
  private readonly logger = new Logger(CommentVotesService.name);
  private readonly batcher: GroupCommit<CommentVoteChange, CommentBatchResult, CommentVoteResult>;

  constructor(
    private readonly votes: CommentVotesRepository,
    private readonly em: EntityManager,
    private readonly events: DomainEventBus,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.batcher = new GroupCommit<CommentVoteChange, CommentBatchResult, CommentVoteResult>({
      lanes: LANES,
      maxBatch: MAX_BATCH,
      // past it, votes get 503 + Retry-After at once, as article votes
      maxQueued: config.voteQueueLimit,
      keyOf: commentVoteKey,
      laneOf: (change) => change.commentId,
      write: (batch) => this.write(batch),
      committed: (result) => this.publish(result),
      outcome: (change, result) => {
        const refused = result.refused.get(commentVoteKey(change));
        if (refused) return refused;
        const comment = result.comments.get(change.commentId);
        return comment
          ? { score: comment.score, myVote: change.value }
          : new NotFoundError('comment');
      },
      isolatable: (error) => !(error instanceof DomainError) && !isDatabaseUnavailable(error),
      warn: (message) => this.logger.warn(`comment votes: ${message}`),
    });
  }

  /** `value` null retracts the vote. */
  set(
    user: Principal,
    commentId: string,
    value: CommentVoteValue | null,
  ): Promise<CommentVoteResult> {
    return this.batcher.submit({ commentId, userId: user.id, value });
  }

  /** Every vote taken is committed and answered before the database pool closes. */
  onApplicationShutdown(): Promise<void> {
    return this.batcher.drained();
  }

  private write(batch: readonly CommentVoteChange[]): Promise<CommentBatchResult> {
    return this.em.transactional(async () => {
      const locked = await this.votes.lockComments([...new Set(batch.map((v) => v.commentId))]);
      const refused = new Map<string, DomainError>();
      // held comments do not exist for anyone but their author (who may not vote on them)
      const found = batch.filter((vote) => {
        const comment = locked.get(vote.commentId);
        const hidden =
          !comment ||
          (UNPUBLISHED_STATUSES.includes(comment.status) && comment.authorId !== vote.userId);
        if (hidden) refused.set(commentVoteKey(vote), new NotFoundError('comment'));
        return !hidden;
      });
      const stored = found.length
        ? await this.votes.currentVotes(found)
        : new Map<string, CommentVoteValue>();
      const deltas = new Map<string, ScoreDelta>();
      const changes: CommentVoteChange[] = [];
      for (const vote of found) {
        const comment = locked.get(vote.commentId)!;
        const previous = stored.get(commentVoteKey(vote)) ?? null;
        if (previous === vote.value) continue;
        if (vote.value !== null && comment.authorId === vote.userId) {
          refused.set(
            commentVoteKey(vote),
            new ForbiddenError('you cannot vote on your own comment'),
          );
          continue;
        }
        if (vote.value !== null && comment.status !== 'visible') {
          refused.set(
            commentVoteKey(vote),
            new ConflictError(`cannot vote on a ${comment.status} comment`),
          );
          continue;
        }
        const delta = deltas.get(vote.commentId) ?? { up: 0, down: 0 };
        delta.up += (vote.value === 'up' ? 1 : 0) - (previous === 'up' ? 1 : 0);
        delta.down += (vote.value === 'down' ? 1 : 0) - (previous === 'down' ? 1 : 0);
        deltas.set(vote.commentId, delta);
        changes.push(vote);
      }
      if (changes.length === 0) return { comments: locked, changed: new Set<string>(), refused };
      const after = await this.votes.apply(changes, deltas);
      return { comments: new Map([...locked, ...after]), changed: new Set(after.keys()), refused };
    });
  }

  private publish(result: CommentBatchResult): void {
    const committedAt = Date.now();
    for (const commentId of result.changed) {
      const { articleId, score, version } = result.comments.get(commentId)!;
      this.events.publish('comment.score.changed', {
        articleId,
        commentId,
        score,
        version,
        committedAt,
      });
    }
  }
}
