import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { ModerationAction } from '../audit/moderation-log-entry.entity';
import type { CommentModeratedEvent } from '../comments/comment-moderation.events';
import '../comments/comment-moderation.events';
import type { CommentView } from '../comments/comment.view';
import { CommentsService } from '../comments/comments.service';
import { FeaturedComments } from '../comments/featured-comments.service';
import type { Principal } from '../common/auth/principal';
import { DomainEventBus } from '../common/events/domain-event-bus';

/**
 * A moderator's decisions on comments beyond remove and restore: approve or reject a held
 * comment, feature or unfeature a visible one. Each is logged in the transaction of the change
 * and announced (`comment.moderated`) after COMMIT.
 */
@Injectable()
export class CommentDecisions {
  constructor(
    private readonly comments: CommentsService,
    private readonly featured: FeaturedComments,
    private readonly audit: AuditService,
    private readonly events: DomainEventBus,
  ) {}

  /** Pending → visible: the article's next seq and `comment.created` for readers. */
  async approve(moderator: Principal, commentId: string): Promise<CommentView> {
    const comment = await this.comments.changeStatus(commentId, {
      to: 'visible',
      allowedFrom: ['pending'],
      alsoInTransaction: () => this.log('comment.approve', moderator, commentId),
    });
    this.announce('approved', comment, moderator, null);
    return comment;
  }

  /** Pending → rejected, with the reason; readers never learn of it. */
  async reject(moderator: Principal, commentId: string, reason: string): Promise<CommentView> {
    const comment = await this.comments.changeStatus(commentId, {
      to: 'rejected',
      allowedFrom: ['pending'],
      reason,
      alsoInTransaction: () => this.log('comment.reject', moderator, commentId, reason),
    });
    this.announce('rejected', comment, moderator, reason);
    return comment;
  }

  async feature(moderator: Principal, commentId: string, featured: boolean): Promise<CommentView> {
    const action = featured ? 'comment.feature' : 'comment.unfeature';
    const { comment, changed } = await this.featured.set(commentId, featured, () =>
      this.log(action, moderator, commentId),
    );
    if (changed) this.announce(featured ? 'featured' : 'unfeatured', comment, moderator, null);
    return comment;
  }

  private log(
    action: ModerationAction,
    moderator: Principal,
    commentId: string,
    reason: string | null = null,
  ): Promise<void> {
    this.audit.record(action, moderator.id, { type: 'comment', id: commentId }, reason);
    return Promise.resolve();
  }

  private announce(
    action: CommentModeratedEvent['action'],
    comment: CommentView,
    moderator: Principal,
    reason: string | null,
  ): void {
    this.events.publish('comment.moderated', {
      action,
      comment,
      moderatorId: moderator.id,
      reason,
    });
  }
}
