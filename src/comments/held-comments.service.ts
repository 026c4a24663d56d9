import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/auth/principal';
import { refusalError } from '../common/auth/write-refusal';
import { BadRequestError, ConflictError } from '../common/errors/domain-error';
import { DomainEventBus } from '../common/events/domain-event-bus';
import './comment-moderation.events';
import { type CommentView, toCommentView } from './comment.view';
import { CommentsRepository } from './comments.repository';

/**
 * New comments that moderation holds (`pending`) or refuses (`rejected`): stored for their
 * author and the moderators only, with no `seq`, no event and no count for anyone else. A held
 * comment gets its `seq` and `comment.created` when it is approved (CommentsService.changeStatus).
 */
@Injectable()
export class HeldComments {
  constructor(
    private readonly comments: CommentsRepository,
    private readonly em: EntityManager,
    private readonly events: DomainEventBus,
  ) {}

  async create(
    author: Principal,
    articleId: string,
    body: string,
    parentId: string | null,
    status: 'pending' | 'rejected',
  ): Promise<CommentView> {
    const id = randomUUID();
    const row = await this.em.transactional(async () => {
      // the post route reads its caller from the principal cache (BanCheckedInWrite)
      const refusal = await this.comments.authorRefusal(author.id);
      if (refusal) throw refusalError(refusal);
      if (parentId) {
        const parentStatus = await this.comments.statusOf(parentId, articleId);
        if (parentStatus === null) {
          throw new BadRequestError('parentId is not a comment of this article');
        }
        if (parentStatus !== 'visible') {
          throw new ConflictError(`cannot reply to a ${parentStatus} comment`);
        }
      }
      await this.comments.insert({ id, articleId, parentId, authorId: author.id, body, status });
      return (await this.comments.findById(id))!;
    });
    const comment = toCommentView(row);
    if (status === 'pending') {
      this.events.publish('comment.pending', { comment });
    } else {
      this.events.publish('comment.moderated', {
        action: 'rejected',
        comment,
        moderatorId: null,
        reason: 'banned word',
      });
    }
    return comment;
  }
}
