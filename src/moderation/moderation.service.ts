import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { CommentsService } from '../comments/comments.service';
import { type CommentView, toCommentView } from '../comments/comment.view';
import type { Principal } from '../common/auth/principal';
import { ConflictError } from '../common/errors/domain-error';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { cursorCodec, type Page, toPage } from '../common/pagination/cursor';
import './moderation.events';
import { type LogEntry, ModerationRepository, type QueueEntry } from './moderation.repository';

export interface QueueItem {
  comment: CommentView;
  reportCount: number;
  reasons: string[];
}

/** An entry of the moderation log as the API shows it. */
export type LogItem = Omit<LogEntry, 'createdAt' | 'createdKey'> & { createdAt: string };

/** The queue pages by offset (its order changes as reports arrive); the log by keyset. */
const QUEUE_CURSOR = cursorCodec('count');
const LOG_CURSOR = cursorCodec('instant', 'uuid');
const PENDING_CURSOR = cursorCodec('instant', 'uuid');

@Injectable()
export class ModerationService {
  constructor(
    private readonly comments: CommentsService,
    private readonly moderation: ModerationRepository,
    private readonly audit: AuditService,
    private readonly events: DomainEventBus,
  ) {}

  /** Visible → removed; logged, and its reports resolved, in the same transaction. */
  remove(moderator: Principal, commentId: string, reason: string): Promise<CommentView> {
    return this.comments.changeStatus(commentId, {
      to: 'removed',
      allowedFrom: ['visible'],
      reason,
      alsoInTransaction: async () => {
        this.audit.record(
          'comment.remove',
          moderator.id,
          { type: 'comment', id: commentId },
          reason,
        );
        await this.moderation.resolveReports(commentId);
      },
    });
  }

  /** Removed → visible; logged in the same transaction. */
  restore(moderator: Principal, commentId: string): Promise<CommentView> {
    return this.comments.changeStatus(commentId, {
      to: 'visible',
      allowedFrom: ['removed'],
      alsoInTransaction: async () => {
        this.audit.record('comment.restore', moderator.id, { type: 'comment', id: commentId });
        await this.moderation.resolveReports(commentId);
      },
    });
  }

  /** Once per user and comment; only visible comments can be reported. */
  async report(
    reporter: Principal,
    commentId: string,
    reason: string,
  ): Promise<{ id: string; commentId: string }> {
    const comment = await this.comments.find(commentId);
    if (comment.status !== 'visible') {
      throw new ConflictError(`cannot report a ${comment.status} comment`);
    }
    const id = await this.moderation.insertReport(commentId, reporter.id, reason);
    if (id === null) throw new ConflictError('you have already reported this comment');
    const reportCount = await this.moderation.openReportCount(commentId);
    this.events.publish('report.created', { comment: toCommentView(comment), reportCount });
    return { id, commentId };
  }

  /** Held comments, oldest first, in the queue's item shape (no reports). */
  async pendingQueue(limit: number, cursor?: string): Promise<Page<QueueItem>> {
    const after = cursor ? PENDING_CURSOR.decode(cursor) : undefined;
    const comments = await this.moderation.pending(
      limit + 1,
      after ? { createdKey: after[0], id: after[1] } : undefined,
    );
    return toPage(
      comments,
      limit,
      (comment) => ({ comment: toCommentView(comment), reportCount: 0, reasons: [] }),
      (comment) => PENDING_CURSOR.encode([comment.createdKey, comment.id]),
    );
  }

  async queue(limit: number, cursor?: string): Promise<Page<QueueItem>> {
    const [offset] = cursor ? QUEUE_CURSOR.decode(cursor) : [0];
    const entries = await this.moderation.queue(limit + 1, offset);
    return toPage(entries, limit, queueItem, () => QUEUE_CURSOR.encode([offset + limit]));
  }

  async log(limit: number, cursor?: string): Promise<Page<LogItem>> {
    const after = cursor ? LOG_CURSOR.decode(cursor) : undefined;
    const entries = await this.moderation.log(
      limit + 1,
      after ? { createdKey: after[0], id: after[1] } : undefined,
    );
    return toPage(entries, limit, logItem, (entry) =>
      LOG_CURSOR.encode([entry.createdKey, entry.id]),
    );
  }
}

function queueItem(entry: QueueEntry): QueueItem {
  return {
    comment: toCommentView(entry.comment),
    reportCount: entry.reportCount,
    reasons: entry.reasons,
  };
}

function logItem({ createdKey: _key, createdAt, ...entry }: LogEntry): LogItem {
  return { ...entry, createdAt: createdAt.toISOString() };
}
