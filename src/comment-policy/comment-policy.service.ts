import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/auth/principal';
import { BadRequestError, ForbiddenError, NotFoundError } from '../common/errors/domain-error';
import { ModerationSettingsService } from './moderation-settings.service';
import { PolicyRepository } from './policy.repository';
import { containsLink } from './word-matcher';

/** What becomes of a new comment. */
export type Decision = 'visible' | 'pending' | 'rejected';

/** The comment an edit applies to, as far as the policy cares. */
export interface EditedComment {
  articleId: string;
  createdAt: Date;
}

/**
 * The moderation decisions on what authors write (API.md "Moderation settings"): whether a
 * new comment is visible, held (`pending`) or `rejected`, and whether an edit is allowed.
 * Moderators and admins are never held nor rejected. Knows nothing of how comments are stored.
 */
@Injectable()
export class CommentPolicy {
  constructor(
    private readonly settings: ModerationSettingsService,
    private readonly policies: PolicyRepository,
  ) {}

  /** 404 for an unknown article, 403 on a closed thread; else the decision. */
  async decideNew(author: Principal, articleId: string, body: string): Promise<Decision> {
    const policy = await this.settings.articlePolicy(articleId);
    if (!policy) throw new NotFoundError('article');
    if (policy.commentsClosed) throw new ForbiddenError('comments are closed on this article');
    if (isStaff(author)) return 'visible';
    const { settings, banned, suspect } = await this.settings.settingsOf(policy);
    if (banned.matches(body)) return 'rejected';
    if (settings.mode === 'pre') return 'pending';
    if (suspect.matches(body)) return 'pending';
    if (settings.holdLinks && containsLink(body)) return 'pending';
    if (settings.mode === 'first-comment' && !(await this.policies.hasVisibleComment(author.id))) {
      return 'pending';
    }
    return 'visible';
  }

  /** 403 past the article's edit window (0: no edits); 400 when the new text has a banned word. */
  async checkEdit(author: Principal, comment: EditedComment, body: string): Promise<void> {
    const policy = await this.settings.articlePolicy(comment.articleId);
    if (!policy) throw new NotFoundError('article');
    const { settings, banned } = await this.settings.settingsOf(policy);
    const window = settings.editWindowSeconds;
    if (Date.now() > comment.createdAt.getTime() + window * 1000) {
      throw new ForbiddenError(
        window === 0
          ? 'comments on this article cannot be edited'
          : `the edit window of ${window} seconds has passed`,
      );
    }
    if (!isStaff(author) && banned.matches(body)) {
      throw new BadRequestError('body contains a banned word');
    }
  }
}

function isStaff(user: Principal): boolean {
  return user.role === 'moderator' || user.role === 'admin';
}
