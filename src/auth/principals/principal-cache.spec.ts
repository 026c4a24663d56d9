import type { Principal } from '../../common/auth/principal';
import { PrincipalCache } from './principal-cache';

const user = (id: string, banned = false): Principal => ({
  id,
  username: `u${id}`,
  role: 'reader',
  banned,
});

describe('PrincipalCache', () => {
  let now = 0;
  const cache = (maxEntries = 3): PrincipalCache =>
    new PrincipalCache({ ttlMs: 10_000, maxEntries, now: () => now });

  beforeEach(() => (now = 1_000));

  it('answers what was stored until the TTL passes, then nothing', () => {
    const principals = cache();
    principals.set(user('a'), principals.generation());
    now += 9_999;
    expect(principals.get('a')).toEqual(user('a'));
    now += 1;
    expect(principals.get('a')).toBeUndefined();
    expect(principals.size).toBe(0);
  });

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const principals = cache(2);
    principals.set(user('a'), principals.generation());
    principals.set(user('b'), principals.generation());
    principals.get('a'); // a is now more recent than b
    principals.set(user('c'), principals.generation());
    expect(principals.get('b')).toBeUndefined();
    expect(principals.get('a')).toEqual(user('a'));
    expect(principals.get('c')).toEqual(user('c'));
  });

  it('forgets an invalidated user at once', () => {
    const principals = cache();
    principals.set(user('a'), principals.generation());
    principals.invalidate('a');
    expect(principals.get('a')).toBeUndefined();
  });

  it('does not store what a load read before an invalidation that came during it', () => {
    const principals = cache();
    const before = principals.generation();
    principals.invalidate('a'); // the ban's event arrives while the SELECT is in flight
    principals.set(user('a', false), before);
    expect(principals.get('a')).toBeUndefined();
    principals.set(user('a', true), principals.generation());
    expect(principals.get('a')?.banned).toBe(true);
  });

  it('hands out copies, so a caller changing one does not change the cache', () => {
    const principals = cache();
    principals.set(user('a'), principals.generation());
    principals.get('a')!.banned = true;
    expect(principals.get('a')?.banned).toBe(false);
  });
});
