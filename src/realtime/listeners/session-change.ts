import type { Principal } from '../../common/auth/principal';
import type { UserChangedEvent } from '../../users/user.events';
import type { SessionChangedEvent } from '../contract';

/**
 * What an open socket is told when its user's ban or role changed, or null when nothing it
 * holds changed (e.g. a role set to the role the user already had).
 */
export function sessionChange(
  before: Pick<Principal, 'role' | 'banned'>,
  after: UserChangedEvent,
): SessionChangedEvent | null {
  const { role, banned } = after;
  if (banned !== before.banned) {
    return banned
      ? {
          reason: 'banned',
          role,
          banned,
          message: 'your account is banned: you can still read, but not vote, comment or report',
        }
      : { reason: 'unbanned', role, banned, message: 'your account is no longer banned' };
  }
  if (role !== before.role) {
    return { reason: 'role_changed', role, banned, message: `your role is now ${role}` };
  }
  return null;
}
