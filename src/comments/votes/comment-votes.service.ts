import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal';
import { ConflictError, ForbiddenError, NotFoundError } from '../../common/errors/domain-error';
import { DomainEventBus } from '../../common/events/domain-event-bus';
import { UNPUBLISHED_STATUSES } from '../comment.entity';
import type { CommentVoteValue } from '../comment-vote.entity';
import './comment-score.events';
import { CommentVotesRepository } from './comment-votes.repository';

export interface CommentVoteResult {
  score: { up: number; down: number };
  myVote: CommentVoteValue | null;
}

/**
 * Up and down votes on visible comments, one per user and comment, never on one's own.
 * Exact under any concurrency: each vote is one transaction under the comment's row lock
 * (the lock every other change of the comment takes first too).
 */
@Injectable()
export class CommentVotesService {
  constructor(
    private readonly votes: CommentVotesRepository,
    private readonly em: EntityManager,
    private readonly events: DomainEventBus,
  ) {}

  /** `value` null retracts the vote. */
  async set(
    user: Principal,
    commentId: string,
    value: CommentVoteValue | null,
  ): Promise<CommentVoteResult> {
    const outcome = await this.em.transactional(async () => {
      const comment = await this.votes.lockComment(commentId);
      // held comments do not exist for anyone but their author (who may not vote on them)
      if (
        !comment ||
        (UNPUBLISHED_STATUSES.includes(comment.status) && comment.authorId !== user.id)
      ) {
        throw new NotFoundError('comment');
      }
      const previous = await this.votes.vote(commentId, user.id);
      if (previous === value) return { comment, changed: false };
      if (value !== null && comment.authorId === user.id) {
        throw new ForbiddenError('you cannot vote on your own comment');
      }
      if (value !== null && comment.status !== 'visible') {
        throw new ConflictError(`cannot vote on a ${comment.status} comment`);
      }
      await this.votes.store(commentId, user.id, value);
      const up = (value === 'up' ? 1 : 0) - (previous === 'up' ? 1 : 0);
      const down = (value === 'down' ? 1 : 0) - (previous === 'down' ? 1 : 0);
      return { comment: await this.votes.move(commentId, up, down), changed: true };
    });
    const { comment, changed } = outcome;
    if (changed) {
      this.events.publish('comment.score.changed', {
        articleId: comment.articleId,
        commentId,
        score: comment.score,
        version: comment.version,
        committedAt: Date.now(),
      });
    }
    return { score: comment.score, myVote: value };
  }
}
