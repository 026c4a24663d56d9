import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { CommentsService } from '../comments/comments.service';
import { CommentVotesService } from '../comments/votes/comment-votes.service';
import type { Principal } from '../common/auth/principal';
import { BadRequestError, ForbiddenError, NotFoundError } from '../common/errors/domain-error';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { NotificationsService } from '../notifications/notifications.service';
import { toNotificationView } from '../notifications/notification.view';
import { UsersService } from '../users/users.service';
import type { Dimension } from '../votes/vote.entity';
import { VotesService } from '../votes/votes.service';
import './account.events';
import { AccountRepository } from './account.repository';

/** A user's own data: the export (API.md `GET /api/me/export`) and the erasure. */
@Injectable()
export class AccountService {
  constructor(
    private readonly account: AccountRepository,
    private readonly users: UsersService,
    private readonly comments: CommentsService,
    private readonly votes: VotesService,
    private readonly commentVotes: CommentVotesService,
    private readonly notifications: NotificationsService,
    private readonly events: DomainEventBus,
    private readonly em: EntityManager,
  ) {}

  async export(userId: string): Promise<Record<string, unknown>> {
    const account = await this.account.account(userId);
    if (!account) throw new NotFoundError('user');
    const [comments, votes, commentVotes, reports, notifications] = await Promise.all([
      this.account.comments(userId),
      this.account.votes(userId),
      this.account.commentVotes(userId),
      this.account.reports(userId),
      this.notifications.allOf(userId),
    ]);
    return {
      exportedAt: new Date().toISOString(),
      account,
      comments,
      votes,
      commentVotes,
      reports,
      notifications: notifications.map(toNotificationView),
    };
  }

  /**
   * Checks the password first (SSO users have none): a wrong one changes nothing. Then every
   * article and comment vote is withdrawn through its vote path (tallies and scores exact,
   * pushed live), every visible or
   * removed comment becomes a `deleted` tombstone through the comment path (counters, events),
   * and the account itself is erased in one last transaction.
   */
  async erase(principal: Principal, password: string | undefined): Promise<void> {
    const user = await this.users.findById(principal.id);
    if (!user) throw new NotFoundError('user');
    if (user.passwordHash !== null) {
      if (password === undefined) throw new BadRequestError('password is required');
      if (!(await this.users.authenticate(user.username, password))) {
        throw new ForbiddenError('wrong password');
      }
    }
    const votes = await this.account.votes(user.id);
    await Promise.all(
      votes.map((vote) => this.votes.retract(user.id, vote.articleId, vote.dimension as Dimension)),
    );
    const commentVotes = await this.account.commentVotes(user.id);
    await Promise.all(
      commentVotes.map((vote) =>
        // a comment gone meanwhile took its votes with it
        this.commentVotes.set(principal, vote.commentId, null).catch((error: unknown) => {
          if (!(error instanceof NotFoundError)) throw error;
        }),
      ),
    );
    for (const id of await this.account.commentsToTombstone(user.id)) {
      await this.comments.changeStatus(id, {
        to: 'deleted',
        allowedFrom: ['visible', 'removed'],
        idempotent: true,
      });
    }
    await this.em.transactional(() => this.account.erase(user.id));
    this.events.publish('user.erased', { userId: user.id });
  }
}
