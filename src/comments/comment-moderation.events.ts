import type { CommentView } from './comment.view';

/** After the commit of a comment held for moderation: for moderators and admins only. */
export interface CommentPendingEvent {
  comment: CommentView;
}

/**
 * After the commit of a moderation decision on a comment: a moderator's approve, reject,
 * feature or unfeature, or a rejection by a banned word (`moderatorId` null). `comment` is as
 * written (for notifications and webhooks), never for readers as such.
 */
export interface CommentModeratedEvent {
  action: 'approved' | 'rejected' | 'featured' | 'unfeatured';
  comment: CommentView;
  moderatorId: string | null;
  reason: string | null;
}

declare module '../common/events/domain-event-bus' {
  interface DomainEvents {
    'comment.pending': CommentPendingEvent;
    'comment.moderated': CommentModeratedEvent;
  }
}
