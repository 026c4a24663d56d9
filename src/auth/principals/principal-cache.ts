import type { Principal } from '../../common/auth/principal';

export interface PrincipalCacheOptions {
  /** How long an entry is trusted after it was read from the database. */
  ttlMs: number;
  /** The most entries kept; past it the least recently used goes. */
  maxEntries: number;
  now?: () => number;
}

interface Entry {
  principal: Principal;
  expiresAt: number;
}

/**
 * Principals read from PostgreSQL, kept in-process for a few seconds (bounded LRU + TTL), so
 * that a vote does not pay a SELECT of its user. Invalidated by the user-changed events
 * (PrincipalInvalidation); the TTL bounds what a lost relay message could leave stale. Only
 * routes whose write re-checks the ban in its own SQL read from it (see BanCheckedInWrite).
 *
 * A load that started before an invalidation must not store what it read: `generation()`
 * taken before the load is handed to `set`, which drops the entry if anything was
 * invalidated in between.
 */
export class PrincipalCache {
  /** Map keeps insertion order: re-inserting on a hit makes the first key the least recent. */
  private readonly entries = new Map<string, Entry>();
  private invalidations = 0;
  private readonly now: () => number;

  constructor(private readonly options: PrincipalCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  get(userId: string): Principal | undefined {
    const entry = this.entries.get(userId);
    if (!entry) return undefined;
    this.entries.delete(userId);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(userId, entry);
    return { ...entry.principal };
  }

  /** A counter that moves on every invalidation; pass it to `set`. */
  generation(): number {
    return this.invalidations;
  }

  /** Stores `principal` read at `generation`, unless an invalidation came since. */
  set(principal: Principal, generation: number): void {
    if (generation !== this.invalidations) return;
    this.entries.delete(principal.id);
    this.entries.set(principal.id, {
      principal: { ...principal },
      expiresAt: this.now() + this.options.ttlMs,
    });
    if (this.entries.size > this.options.maxEntries) {
      this.entries.delete(this.entries.keys().next().value!);
    }
  }

  invalidate(userId: string): void {
    this.invalidations++;
    this.entries.delete(userId);
  }

  get size(): number {
    return this.entries.size;
  }
}
