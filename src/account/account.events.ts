/** After the commit of an account's erasure: its open sockets are closed on every instance. */
export interface UserErasedEvent {
  userId: string;
}

declare module '../common/events/domain-event-bus' {
  interface DomainEvents {
    'user.erased': UserErasedEvent;
  }
}
