/** One instance's count of subscribed sockets of one article (shared between instances). */
export interface PresenceCountedEvent {
  articleId: string;
  instance: string;
  readers: number;
}

declare module '../../common/events/domain-event-bus' {
  interface DomainEvents {
    'presence.counted': PresenceCountedEvent;
  }
}
