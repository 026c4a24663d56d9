import { Injectable } from '@nestjs/common';
import type { UserErasedEvent } from '../../account/account.events';
import type { Principal } from '../../common/auth/principal';
import { OnDomainEvent } from '../../common/events/on-domain-event.decorator';
import type { UserChangedEvent } from '../../users/user.events';
import { UsersService } from '../../users/users.service';
import { PrincipalCache } from './principal-cache';

/** How long a cached principal is trusted if no invalidation reaches this instance. */
export const PRINCIPAL_TTL_MS = 10_000;
/** Cached principals per instance (a few hundred bytes each). */
export const PRINCIPAL_CACHE_ENTRIES = 10_000;

/**
 * The caller behind a valid access token. `fresh` reads PostgreSQL (a role change or a ban
 * applies to the very next request); `cached` may answer from the in-process cache, for
 * routes whose write refuses banned and erased users in its own SQL (see BanCheckedInWrite),
 * so that there a stale entry can never let a write through. Every read refreshes the cache;
 * every role change, ban, unban and erasure, on any instance, drops the user's entry.
 */
@Injectable()
export class PrincipalsService {
  private readonly cache = new PrincipalCache({
    ttlMs: PRINCIPAL_TTL_MS,
    maxEntries: PRINCIPAL_CACHE_ENTRIES,
  });

  constructor(private readonly users: UsersService) {}

  async load(userId: string, use: 'fresh' | 'cached'): Promise<Principal | null> {
    if (use === 'cached') {
      const hit = this.cache.get(userId);
      // a cached ban is read again: an unban whose event was lost must not wait for the TTL
      if (hit && !hit.banned) return hit;
    }
    const generation = this.cache.generation();
    const principal = await this.users.findPrincipal(userId);
    if (principal) this.cache.set(principal, generation);
    else this.cache.invalidate(userId);
    return principal;
  }

  @OnDomainEvent('user.changed')
  onUserChanged(event: UserChangedEvent): void {
    this.cache.invalidate(event.userId);
  }

  @OnDomainEvent('user.erased')
  onUserErased(event: UserErasedEvent): void {
    this.cache.invalidate(event.userId);
  }
}
