import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/auth/principal';
import { refusalError } from '../common/auth/write-refusal';
import { DomainEventBus } from '../common/events/domain-event-bus';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
} from '../common/errors/domain-error';
import { cursorCodec, type Page, toPage } from '../common/pagination/cursor';
import { CommentPolicy } from '../comment-policy/comment-policy.service';
import { type CommentStatus, UNPUBLISHED_STATUSES } from './comment.entity';
import type { CommentChangedEvent } from './comment.events';
import { type CommentView, toCommentView } from './comment.view';
import { CommentRevisionsRepository } from './comment-revisions.repository';
import { type CommentKey, type CommentSort, CommentsRepository } from './comments.repository';
import { HeldComments } from './held-comments.service';
import type { NewComment, PostedComment } from './new-comment.statement';
import type { StoredComment } from './stored-comment';

export interface ListCommentsOptions {
  parentId?: string;
  sort: CommentSort;
  limit: number;
  cursor?: string;
  /** Moderators and admins asking to see removed and deleted comments as written. */
  showOriginals: boolean;
  /** The signed-in reader: their own pending and rejected comments, and their votes. */
  readerId?: string | null;
  /** Moderators and admins with `include=pending`: every pending and rejected comment. */
  showPending?: boolean;
  /** Only featured comments. */
  featuredOnly?: boolean;
}

/** A status change and what else must happen in its transaction (moderation log, reports). */
export interface StatusChange {
  to: CommentStatus;
  allowedFrom: CommentStatus[];
  reason?: string | null;
  /** Already in the target status: nothing happens (no event) instead of a 409. */
  idempotent?: boolean;
  /** Runs inside the transaction, after the change, before COMMIT. */
  alsoInTransaction?: (comment: StoredComment) => Promise<void>;
}

/** (createdAt, id) of a page's last comment; `top` puts its score (up − down) first. */
const BY_TIME = cursorCodec('instant', 'uuid');
const BY_SCORE = cursorCodec('integer', 'instant', 'uuid');

/**
 * Comments with exact counters and a gap-free event log: every change a reader can see
 * updates the counters and appends its event in one transaction, and is published after COMMIT.
 */
@Injectable()
export class CommentsService {
  constructor(
    private readonly comments: CommentsRepository,
    private readonly em: EntityManager,
    private readonly events: DomainEventBus,
    private readonly policy: CommentPolicy,
    private readonly held: HeldComments,
    private readonly revisions: CommentRevisionsRepository,
  ) {}

  async list(articleId: string, options: ListCommentsOptions): Promise<Page<CommentView>> {
    if (!(await this.comments.articleExists(articleId))) throw new NotFoundError('article');
    if (options.parentId && !(await this.comments.statusOf(options.parentId, articleId))) {
      throw new BadRequestError('parentId is not a comment of this article');
    }
    const after = options.cursor ? decodeKey(options.sort, options.cursor) : undefined;
    const rows = await this.comments.list(
      articleId,
      options.parentId ?? null,
      options.sort,
      options.limit + 1,
      after,
      {
        userId: options.readerId ?? null,
        allPending: options.showPending ?? false,
        featuredOnly: options.featuredOnly ?? false,
      },
    );
    return toPage(
      rows,
      options.limit,
      (comment) => toCommentView(comment, options.showOriginals),
      (comment) =>
        options.sort === 'top'
          ? BY_SCORE.encode([comment.scoreUp - comment.scoreDown, comment.createdKey, comment.id])
          : BY_TIME.encode([comment.createdKey, comment.id]),
    );
  }

  /** The comment as stored (body and author kept on tombstones); 404 when there is none. */
  async find(id: string): Promise<StoredComment> {
    const comment = await this.comments.findById(id);
    if (!comment) throw new NotFoundError('comment');
    return comment;
  }

  async create(
    author: Principal,
    articleId: string,
    body: string,
    parentId?: string,
  ): Promise<CommentView> {
    // moderation (API.md "Moderation settings"): a held or rejected comment has no seq, no event
    const decision = await this.policy.decideNew(author, articleId, body);
    if (decision !== 'visible') {
      return this.held.create(author, articleId, body, parentId ?? null, decision);
    }
    const draft = {
      id: randomUUID(),
      articleId,
      parentId: parentId ?? null,
      authorId: author.id,
      body,
    };
    // one statement; when it writes nothing, the same steps one by one say why (404, 400, 409)
    const { comment: stored, ...next } =
      (await this.comments.insertVisible(draft)) ?? (await this.createStepByStep(draft));
    const comment = toCommentView(stored);
    this.publish({ type: 'comment.created', articleId, ...next, comment });
    return comment;
  }

  /**
   * The visible comment in a transaction of single steps: the errors of a post that
   * insertVisible refused (or the comment, had the parent become visible in between).
   */
  private createStepByStep(draft: NewComment): Promise<PostedComment> {
    const { id, articleId, parentId } = draft;
    return this.em.transactional(async () => {
      const refusal = await this.comments.authorRefusal(draft.authorId);
      if (refusal) throw refusalError(refusal);
      if (parentId && !(await this.comments.adjustReplyCount(parentId, articleId, 1, true))) {
        const status = await this.comments.statusOf(parentId, articleId);
        if (status === null) throw new BadRequestError('parentId is not a comment of this article');
        throw new ConflictError(`cannot reply to a ${status} comment`);
      }
      const next = await this.comments.nextSeq(articleId, 1);
      if (next === null) throw new NotFoundError('article');
      await this.comments.insert(draft);
      await this.comments.appendEvent(articleId, next.seq, 'comment.created', id);
      return { ...next, comment: (await this.comments.findById(id))! };
    });
  }

  /**
   * The author's edit, inside the article's edit window; the text it replaces is kept as a
   * revision. A pending comment stays pending and unseen (no event); a visible one is not held.
   */
  async edit(user: Principal, id: string, body: string): Promise<CommentView> {
    const { next, row } = await this.em.transactional(async () => {
      const current = await this.comments.lock(id);
      if (!current) throw new NotFoundError('comment');
      if (current.author.id !== user.id)
        throw new ForbiddenError('only its author can edit a comment');
      if (current.status !== 'visible' && current.status !== 'pending')
        throw new ConflictError(`cannot edit a ${current.status} comment`);
      await this.policy.checkEdit(user, current, body);
      await this.revisions.keep(id, current.body, current.editedAt ?? current.createdAt);
      await this.comments.updateBody(id, body);
      if (current.status === 'pending')
        return { next: null, row: (await this.comments.findById(id))! };
      const next = (await this.comments.nextSeq(current.articleId, 0))!;
      await this.comments.appendEvent(current.articleId, next.seq, 'comment.updated', id);
      return { next, row: (await this.comments.findById(id))! };
    });
    const comment = toCommentView(row);
    if (next) this.publish({ type: 'comment.updated', articleId: row.articleId, ...next, comment });
    return comment;
  }

  /** The author's delete: a tombstone. Deleting a deleted comment again changes nothing. */
  async delete(user: Principal, id: string): Promise<void> {
    const existing = await this.comments.findById(id);
    if (!existing) throw new NotFoundError('comment');
    if (existing.author.id !== user.id)
      throw new ForbiddenError('only its author can delete a comment');
    await this.changeStatus(id, {
      to: 'deleted',
      allowedFrom: ['visible', 'removed'],
      idempotent: true,
    });
  }

  /**
   * Moves a comment between statuses with its counters and event, under the comment's row
   * lock. Used by the author's delete and by moderators' remove and restore.
   */
  async changeStatus(id: string, change: StatusChange): Promise<CommentView> {
    const outcome = await this.em.transactional(async () => {
      const current = await this.comments.lock(id);
      if (!current) throw new NotFoundError('comment');
      if (change.idempotent && current.status === change.to) return { next: null, row: current };
      if (!change.allowedFrom.includes(current.status)) {
        throw new ConflictError(`comment is ${current.status}`);
      }
      const wasPublished = !UNPUBLISHED_STATUSES.includes(current.status);
      if (!wasPublished && UNPUBLISHED_STATUSES.includes(change.to)) {
        // pending → rejected: nobody else ever saw it, so no seq and no event
        await this.comments.setStatus(id, change.to, change.reason ?? null);
        const row = (await this.comments.findById(id))!;
        await change.alsoInTransaction?.(row);
        return { next: null, row };
      }
      const wasVisible = current.status === 'visible';
      const isVisible = change.to === 'visible';
      const delta = wasVisible === isVisible ? 0 : isVisible ? 1 : -1;
      if (current.parentId && delta !== 0) {
        await this.comments.adjustReplyCount(current.parentId, current.articleId, delta as 1 | -1);
      }
      await this.comments.setStatus(id, change.to, change.reason ?? null);
      const next = (await this.comments.nextSeq(current.articleId, delta as -1 | 0 | 1))!;
      // an approved comment appears to readers for the first time
      const type: CommentChangedEvent['type'] = isVisible
        ? wasPublished
          ? 'comment.updated'
          : 'comment.created'
        : 'comment.removed';
      await this.comments.appendEvent(
        current.articleId,
        next.seq,
        type,
        id,
        isVisible ? null : change.to,
      );
      const row = (await this.comments.findById(id))!;
      await change.alsoInTransaction?.(row);
      return { next: { ...next, type }, row };
    });
    const { next, row } = outcome;
    if (next === null) return toCommentView(row, true);
    const { type, ...numbers } = next;
    const articleId = row.articleId;
    this.publish(
      type === 'comment.removed'
        ? { type, articleId, ...numbers, commentId: id, status: change.to }
        : { type, articleId, ...numbers, comment: toCommentView(row) },
    );
    return toCommentView(row, true);
  }

  private publish(event: CommentChangedEvent): void {
    this.events.publish('comment.changed', { ...event, committedAt: Date.now() });
  }
}

function decodeKey(sort: CommentSort, cursor: string): CommentKey {
  if (sort !== 'top') {
    const [createdKey, id] = BY_TIME.decode(cursor);
    return { createdKey, id };
  }
  const [score, createdKey, id] = BY_SCORE.decode(cursor);
  return { createdKey, id, score };
}
