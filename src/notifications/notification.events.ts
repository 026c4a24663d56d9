import type { NotificationView } from './notification.view';

/** After the commit of a notification: every socket of its user, on any instance, gets it. */
export interface NotificationCreatedEvent {
  userId: string;
  notification: NotificationView;
}

declare module '../common/events/domain-event-bus' {
  interface DomainEvents {
    'notification.created': NotificationCreatedEvent;
  }
}
