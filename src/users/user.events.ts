import type { Role } from '../common/auth/principal';

/** After the commit of a role change, ban or unban: open sessions must follow at once. */
export interface UserChangedEvent {
  userId: string;
  role: Role;
  banned: boolean;
}

declare module '../common/events/domain-event-bus' {
  interface DomainEvents {
    'user.changed': UserChangedEvent;
  }
}
