import type { CommentView } from '../comments/comment.view';

/** After the commit of a report: for moderators and admins only. */
export interface ReportCreatedEvent {
  comment: CommentView;
  reportCount: number;
}

declare module '../common/events/domain-event-bus' {
  interface DomainEvents {
    'report.created': ReportCreatedEvent;
  }
}
