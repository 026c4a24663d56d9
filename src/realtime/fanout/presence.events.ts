/** One instance's count of its subscribed sockets of one article. */
export interface PresenceCount {
  articleId: string;
  readers: number;
  /**
   * The sender has just begun counting the article (its first reader, or back after a Redis
   * outage) and knows no other instance's count of it: instances with readers of the article
   * answer with theirs in their next publication.
   */
  hello?: true;
}

/** An instance's counts that changed since its last publication (at most one a second). */
export interface PresenceCountedEvent {
  instance: string;
  counts: PresenceCount[];
}

/** An instance whose counts others hold is alive (one message per instance, not per article). */
export interface PresenceAliveEvent {
  instance: string;
}

/** An instance shutting down: its readers leave every count at once. */
export interface PresenceGoneEvent {
  instance: string;
}

declare module '../../common/events/domain-event-bus' {
  interface DomainEvents {
    'presence.counted': PresenceCountedEvent;
    'presence.alive': PresenceAliveEvent;
    'presence.gone': PresenceGoneEvent;
  }
}
