import type { CommentStatus } from './comment.entity';
import type { CommentView } from './comment.view';

interface CommentEventBase {
  articleId: string;
  /** The event's place in the article's comment event log. */
  seq: number;
  /** Epoch ms just after COMMIT (absent on events rebuilt from the log). */
  committedAt?: number;
  /** The article's visible comments just after this change (absent on events from the log). */
  commentCount?: number;
}

/** After the commit of a comment change readers can see. */
export type CommentChangedEvent =
  | (CommentEventBase & { type: 'comment.created' | 'comment.updated'; comment: CommentView })
  | (CommentEventBase & { type: 'comment.removed'; commentId: string; status: CommentStatus });

declare module '../common/events/domain-event-bus' {
  interface DomainEvents {
    'comment.changed': CommentChangedEvent;
  }
}
