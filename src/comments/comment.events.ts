import type { CommentStatus } from './comment.entity';
import type { CommentView } from './comment.view';

/** After the commit of a comment change readers can see; `seq` is its place in the log. */
export type CommentChangedEvent =
  | {
      type: 'comment.created' | 'comment.updated';
      articleId: string;
      seq: number;
      comment: CommentView;
    }
  | {
      type: 'comment.removed';
      articleId: string;
      seq: number;
      commentId: string;
      status: CommentStatus;
    };

declare module '../common/events/domain-event-bus' {
  interface DomainEvents {
    'comment.changed': CommentChangedEvent;
  }
}
