import { DomainEventBus } from '../common/events/domain-event-bus';
import type { AppConfig } from '../config/app-config';
import { ArticleChannels, articleChannel } from '../realtime/fanout/article-channels';
import { CountsCache, type CountsRead, MAX_CACHED_COUNTS } from './counts-cache';

const SITE = 'site-1';

function cacheWith(countsCacheMs: number, bus = new DomainEventBus()): CountsCache {
  return new CountsCache({ countsCacheMs } as AppConfig, bus);
}

/** A loader that counts its calls and answers `body` for the articles given. */
function loader(body: string, articleIds: string[] = ['a1']) {
  const calls = { count: 0 };
  const load = (): Promise<CountsRead> => {
    calls.count++;
    return Promise.resolve({ body: `${body}#${calls.count}`, articleIds });
  };
  return { calls, load };
}

describe('CountsCache', () => {
  it('answers the same ids (in any order, repeated) from one read', async () => {
    const cache = cacheWith(1_000);
    const { calls, load } = loader('x');
    expect(await cache.get(SITE, ['b', 'a'], load)).toBe('x#1');
    expect(await cache.get(SITE, ['a', 'b', 'a'], load)).toBe('x#1');
    expect(await cache.get('site-2', ['a', 'b'], load)).toBe('x#2');
    expect(calls.count).toBe(2);
  });

  it('reads again once one of the answer’s articles has a comment or tally change', async () => {
    const cache = cacheWith(1_000);
    const { calls, load } = loader('x', ['a1', 'a2']);
    await cache.get(SITE, ['p', 'q'], load);
    cache.onTally({ articleId: 'other', tallies: null!, version: 1 });
    expect(await cache.get(SITE, ['p', 'q'], load)).toBe('x#1');
    cache.onTally({ articleId: 'a2', tallies: null!, version: 2 });
    expect(await cache.get(SITE, ['p', 'q'], load)).toBe('x#2');
    cache.onComment({
      type: 'comment.removed',
      articleId: 'a1',
      seq: 3,
      commentId: 'c',
      status: 'removed',
    });
    expect(await cache.get(SITE, ['p', 'q'], load)).toBe('x#3');
    expect(calls.count).toBe(3);
  });

  it('reads again after an article of the site was added or deleted', async () => {
    const cache = cacheWith(1_000);
    const { load } = loader('x', []);
    await cache.get(SITE, ['p'], load);
    cache.dropSite('site-2');
    expect(await cache.get(SITE, ['p'], load)).toBe('x#1');
    cache.dropSite(SITE);
    expect(await cache.get(SITE, ['p'], load)).toBe('x#2');
  });

  it('shares one read between concurrent misses and keeps no read that overlapped a change', async () => {
    const cache = cacheWith(1_000);
    let release!: (read: CountsRead) => void;
    let calls = 0;
    const slow = () => {
      calls++;
      return new Promise<CountsRead>((resolve) => (release = resolve));
    };
    const first = cache.get(SITE, ['p'], slow);
    const second = cache.get(SITE, ['p'], slow);
    cache.onTally({ articleId: 'a1', tallies: null!, version: 1 });
    release({ body: 'old', articleIds: ['a1'] });
    expect(await Promise.all([first, second])).toEqual(['old', 'old']);
    expect(calls).toBe(1);
    const { load } = loader('new');
    expect(await cache.get(SITE, ['p'], load)).toBe('new#1');
  });

  it('forgets answers after COUNTS_CACHE_MS and caches nothing when it is 0', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const cache = cacheWith(1_000);
      const { load } = loader('x');
      await cache.get(SITE, ['p'], load);
      jest.setSystemTime(1_000_999);
      expect(await cache.get(SITE, ['p'], load)).toBe('x#1');
      jest.setSystemTime(1_001_000);
      expect(await cache.get(SITE, ['p'], load)).toBe('x#2');
    } finally {
      jest.useRealTimers();
    }
    const off = cacheWith(0);
    const { calls, load } = loader('y');
    await off.get(SITE, ['p'], load);
    await off.get(SITE, ['p'], load);
    expect(calls.count).toBe(2);
  });

  it(`keeps at most ${MAX_CACHED_COUNTS} answers, dropping the oldest`, async () => {
    const cache = cacheWith(60_000);
    const { calls, load } = loader('x');
    for (let i = 0; i <= MAX_CACHED_COUNTS; i++) await cache.get(SITE, [`id-${i}`], load);
    expect(calls.count).toBe(MAX_CACHED_COUNTS + 1);
    await cache.get(SITE, [`id-${MAX_CACHED_COUNTS}`], load);
    expect(calls.count).toBe(MAX_CACHED_COUNTS + 1);
    await cache.get(SITE, ['id-0'], load);
    expect(calls.count).toBe(MAX_CACHED_COUNTS + 2);
  });

  describe('with per-article relay channels', () => {
    /** A bus whose transport follows articles through ArticleChannels; records (un)subscribes. */
    function shardedBus() {
      const calls: string[] = [];
      const channels = new ArticleChannels(
        {
          subscribe: (channel) => (calls.push(`+${channel}`), Promise.resolve()),
          unsubscribe: (channel) => (calls.push(`-${channel}`), Promise.resolve()),
        },
        20,
      );
      const bus = new DomainEventBus();
      bus.useTransport({
        send: () => undefined,
        follow: (id) => channels.follow(id),
        unfollow: (id) => channels.unfollow(id),
        flowing: () => channels.flowingNow(),
      });
      return { bus, calls, channels };
    }

    it("keeps an answer only once its articles' events reach this instance, and holds their channels while kept", async () => {
      const { bus, calls, channels } = shardedBus();
      const cache = cacheWith(60_000, bus);
      const { load, calls: loads } = loader('{"a1":1}', ['a1']);
      await cache.get(SITE, ['x'], load);
      expect(loads.count).toBe(1);
      expect(calls).toEqual([`+${articleChannel('a1')}`]);
      await new Promise((resolve) => setImmediate(resolve));
      // not kept (the channel was not there before the read): read again, now kept
      await cache.get(SITE, ['x'], load);
      await cache.get(SITE, ['x'], load);
      expect(loads.count).toBe(2);
      // kept answers hold the channel past the linger
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(calls).toEqual([`+${articleChannel('a1')}`]);
      expect(channels.receives('a1')).toBe(true);
      // a change drops the answer and releases the channel, after its linger
      cache.onComment({ articleId: 'a1' } as never);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(calls).toEqual([`+${articleChannel('a1')}`, `-${articleChannel('a1')}`]);
      channels.close();
    });
  });
});
