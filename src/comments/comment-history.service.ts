import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/auth/principal';
import { ForbiddenError, NotFoundError } from '../common/errors/domain-error';
import { cursorCodec, type Page, toPage } from '../common/pagination/cursor';
import { type CommentView, toCommentView } from './comment.view';
import { CommentRevisionsRepository } from './comment-revisions.repository';
import { CommentHistoryRepository } from './comment-history.repository';
import { CommentsRepository } from './comments.repository';

export interface RevisionView {
  body: string;
  editedAt: string;
}

const BY_TIME = cursorCodec('instant', 'uuid');

/** What was written: a comment's revisions, and (for moderators) a user's every comment. */
@Injectable()
export class CommentHistory {
  constructor(
    private readonly comments: CommentsRepository,
    private readonly revisions: CommentRevisionsRepository,
    private readonly authors: CommentHistoryRepository,
  ) {}

  /**
   * Every text the comment had, oldest first, the original (`editedAt` = its creation) and
   * the current one included. For its author and for moderators and admins.
   */
  async revisionsOf(user: Principal, commentId: string): Promise<{ items: RevisionView[] }> {
    const comment = await this.comments.findById(commentId);
    if (!comment) throw new NotFoundError('comment');
    if (comment.author.id !== user.id && user.role === 'reader') {
      throw new ForbiddenError("only its author and moderators can read a comment's revisions");
    }
    const earlier = await this.revisions.earlier(commentId);
    const items = earlier.map((r) => ({ body: r.body, editedAt: r.since.toISOString() }));
    items.push({
      body: comment.body,
      editedAt: (comment.editedAt ?? comment.createdAt).toISOString(),
    });
    return { items };
  }

  /** Every comment of the user, in any status, as written; newest first. */
  async byUser(userId: string, limit: number, cursor?: string): Promise<Page<CommentView>> {
    if (!(await this.authors.userExists(userId))) throw new NotFoundError('user');
    const after = cursor ? BY_TIME.decode(cursor) : undefined;
    const rows = await this.authors.byAuthor(
      userId,
      limit + 1,
      after ? { createdKey: after[0], id: after[1] } : undefined,
    );
    return toPage(
      rows,
      limit,
      (comment) => toCommentView(comment, true),
      (comment) => BY_TIME.encode([comment.createdKey, comment.id]),
    );
  }
}
