import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError } from '../common/errors/domain-error';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { type CommentView, toCommentView } from './comment.view';
import { CommentsRepository } from './comments.repository';
import type { StoredComment } from './stored-comment';

/**
 * Editors' picks. Featuring or unfeaturing a visible comment is a change readers see: it gets
 * the article's next `seq` and a `comment.updated`, in the transaction that also runs
 * `alsoInTransaction` (the moderation log). Asking for what is already so changes nothing.
 */
@Injectable()
export class FeaturedComments {
  constructor(
    private readonly comments: CommentsRepository,
    private readonly em: EntityManager,
    private readonly events: DomainEventBus,
  ) {}

  /** The comment as written, and whether anything changed. */
  async set(
    id: string,
    featured: boolean,
    alsoInTransaction: (comment: StoredComment) => Promise<void> | void,
  ): Promise<{ comment: CommentView; changed: boolean }> {
    const outcome = await this.em.transactional(async () => {
      const current = await this.comments.lock(id);
      if (!current) throw new NotFoundError('comment');
      if (current.status !== 'visible') {
        throw new ConflictError(
          `cannot ${featured ? '' : 'un'}feature a ${current.status} comment`,
        );
      }
      if (current.featured === featured) return { next: null, row: current };
      await this.comments.setFeatured(id, featured);
      const next = (await this.comments.nextSeq(current.articleId, 0))!;
      await this.comments.appendEvent(current.articleId, next.seq, 'comment.updated', id);
      const row = (await this.comments.findById(id))!;
      await alsoInTransaction(row);
      return { next, row };
    });
    const comment = toCommentView(outcome.row, true);
    if (outcome.next) {
      this.events.publish('comment.changed', {
        type: 'comment.updated',
        articleId: comment.articleId,
        ...outcome.next,
        comment,
        committedAt: Date.now(),
      });
    }
    return { comment, changed: outcome.next !== null };
  }
}
