import { Injectable } from '@nestjs/common';
import { CommentsService } from '../comments/comments.service';
import { type CommentView, toCommentView } from '../comments/comment.view';
import { CommentsRepository } from '../comments/comments.repository';
import type { Principal } from '../common/auth/principal';
import { ConflictError, BadRequestError, NotFoundError } from '../common/errors/domain-error';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { decodeCursor, encodeCursor, type Page, toPage } from '../common/pagination/cursor';
import './moderation.events';
import { type LogRow, ModerationRepository, type QueueRow } from './moderation.repository';

export interface QueueItem {
  comment: CommentView;
  reportCount: number;
  reasons: string[];
}

export interface LogItem {
  id: string;
  action: string;
  moderator: { id: string; username: string | null; displayName: string | null };
  targetType: string;
  targetId: string;
  reason: string | null;
  createdAt: string;
}

@Injectable()
export class ModerationService {
  constructor(
    private readonly comments: CommentsService,
    private readonly commentRows: CommentsRepository,
    private readonly moderation: ModerationRepository,
    private readonly events: DomainEventBus,
  ) {}

  /** Visible → removed; logged, and its reports resolved, in the same transaction. */
  remove(moderator: Principal, commentId: string, reason: string): Promise<CommentView> {
    return this.comments.changeStatus(commentId, {
      to: 'removed',
      allowedFrom: ['visible'],
      reason,
      alsoInTransaction: async () => {
        this.moderation.record({
          action: 'comment.remove',
          moderatorId: moderator.id,
          targetType: 'comment',
          targetId: commentId,
          reason,
        });
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
        this.moderation.record({
          action: 'comment.restore',
          moderatorId: moderator.id,
          targetType: 'comment',
          targetId: commentId,
        });
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
    const row = await this.commentRows.findById(commentId);
    if (!row) throw new NotFoundError('comment');
    if (row.status !== 'visible') throw new ConflictError(`cannot report a ${row.status} comment`);
    const id = await this.moderation.insertReport(commentId, reporter.id, reason);
    if (id === null) throw new ConflictError('you have already reported this comment');
    const reportCount = await this.moderation.openReportCount(commentId);
    this.events.publish('report.created', { comment: toCommentView(row), reportCount });
    return { id, commentId };
  }

  async queue(limit: number, cursor?: string): Promise<Page<QueueItem>> {
    const offset = cursor ? decodeCursor(cursor, ['number'] as const)[0] : 0;
    if (!Number.isInteger(offset) || offset < 0) throw new BadRequestError('cursor is not valid');
    const rows = await this.moderation.queue(limit + 1, offset);
    const page = toPage(rows, limit, queueItem, () => []);
    return {
      items: page.items,
      nextCursor: rows.length > limit ? encodeCursor([offset + limit]) : null,
    };
  }

  async log(limit: number, cursor?: string): Promise<Page<LogItem>> {
    const after = cursor ? decodeCursor(cursor, ['string', 'string'] as const) : undefined;
    // the key goes to SQL as a timestamp and a uuid: anything else is the caller's mistake
    if (after && (!isLogKey(after[0]) || !UUID.test(after[1]))) {
      throw new BadRequestError('cursor is not valid');
    }
    const rows = await this.moderation.log(
      limit + 1,
      after ? { createdKey: after[0], id: after[1] } : undefined,
    );
    return toPage(rows, limit, logItem, (row) => [row.created_key, row.id]);
  }
}

/** The created_key the log writes (to_char of created_at, microseconds, UTC). */
const LOG_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
/** A real instant in that format (PostgreSQL refuses 2020-02-30 or year 0 with an error). */
function isLogKey(key: string): boolean {
  if (!LOG_KEY.test(key)) return false;
  const instant = new Date(key);
  return (
    !Number.isNaN(instant.getTime()) &&
    instant.getUTCFullYear() >= 1 &&
    instant.toISOString().slice(0, 19) === key.slice(0, 19)
  );
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function queueItem(row: QueueRow): QueueItem {
  return { comment: toCommentView(row), reportCount: row.report_count, reasons: row.reasons };
}

function logItem(row: LogRow): LogItem {
  return {
    id: row.id,
    action: row.action,
    moderator: {
      id: row.moderator_id,
      username: row.moderator_username,
      displayName: row.moderator_display_name,
    },
    targetType: row.target_type,
    targetId: row.target_id,
    reason: row.reason,
    createdAt: new Date(row.created_at).toISOString(),
  };
}
