import type { ArticleSnapshot } from '../../comments/comment-feed.reader';
import { ArticleFeed, type FeedOutput } from './article-feed';
import { Coalescer } from './coalescer';
import { MAX_ROOM_FACTOR, ROOM_INTERVAL_STEPS, roomIntervalMs } from './room-interval';

const tallies = (up: number) => ({ interesting: { up, down: 0 }, support: { up: 0, down: 0 } });
const SNAPSHOT: ArticleSnapshot = {
  articleId: 'a',
  seq: 0,
  commentCount: 0,
  tallies: tallies(0),
  talliesVersion: 0,
};

/** A feed held by `holders` sockets; what it sends: [ms since start, version]. */
function feedOf(holders: number) {
  const sent: [number, number][] = [];
  const scores: number[] = [];
  const start = Date.now();
  const out: FeedOutput = {
    comment: () => undefined,
    tally: (event) => sent.push([Date.now() - start, event.version]),
    score: (event) => scores.push(event.version),
    readLog: () => Promise.resolve([]),
    overflow: () => undefined,
    warn: () => undefined,
  };
  const feed = new ArticleFeed('a', SNAPSHOT, 100, out);
  feed.holders = holders;
  return { feed, sent, scores };
}

describe('roomIntervalMs', () => {
  it('is TALLY_INTERVAL_MS for small rooms, steps up with the room, and never exceeds the cap', () => {
    expect(roomIntervalMs(100, 0)).toBe(100);
    expect(roomIntervalMs(100, 1_999)).toBe(100);
    expect(roomIntervalMs(100, 2_000)).toBe(200);
    expect(roomIntervalMs(100, 7_999)).toBe(200);
    expect(roomIntervalMs(100, 8_000)).toBe(400);
    expect(roomIntervalMs(100, 1_000_000)).toBe(100 * MAX_ROOM_FACTOR);
    for (let sockets = 0; sockets <= 20_000; sockets += 500) {
      const interval = roomIntervalMs(100, sockets);
      expect(interval).toBeGreaterThanOrEqual(100);
      expect(interval).toBeLessThanOrEqual(100 * MAX_ROOM_FACTOR);
      expect(interval).toBeGreaterThanOrEqual(roomIntervalMs(100, Math.max(0, sockets - 500)));
    }
    expect(ROOM_INTERVAL_STEPS.every((step) => step.factor <= MAX_ROOM_FACTOR)).toBe(true);
  });
});

describe('a feed of a big room', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('sends a tally at most once per its interval, always the newest version last', () => {
    const { feed, sent } = feedOf(10_000);
    // a vote every 50 ms for 2 s: 40 versions
    for (let version = 1; version <= 40; version++) {
      feed.tally.offer({ articleId: 'a', version, tallies: tallies(version) });
      jest.advanceTimersByTime(50);
    }
    jest.advanceTimersByTime(1_000);
    const gaps = sent.slice(1).map(([at], i) => at - sent[i]![0]);
    expect(gaps.every((gap) => gap >= 400)).toBe(true);
    expect(sent.map(([, version]) => version)).toEqual(
      [...sent.map(([, version]) => version)].sort((a, b) => a - b),
    );
    expect(sent.at(-1)).toEqual([expect.any(Number), 40]);
    expect(feed.tally.version).toBe(40);
    expect(sent.length).toBeLessThanOrEqual(6);
  });

  it('goes back to TALLY_INTERVAL_MS when the room shrinks, never below it', () => {
    const { feed, sent } = feedOf(2_500);
    feed.tally.offer({ articleId: 'a', version: 1, tallies: tallies(1) });
    feed.tally.offer({ articleId: 'a', version: 2, tallies: tallies(2) });
    jest.advanceTimersByTime(199);
    expect(sent).toEqual([[0, 1]]);
    jest.advanceTimersByTime(1);
    expect(sent).toEqual([
      [0, 1],
      [200, 2],
    ]);
    feed.holders = 10;
    feed.tally.offer({ articleId: 'a', version: 3, tallies: tallies(3) });
    feed.tally.offer({ articleId: 'a', version: 4, tallies: tallies(4) });
    jest.advanceTimersByTime(100);
    expect(sent).toEqual([
      [0, 1],
      [200, 2],
      [300, 4],
    ]);
  });

  it('coalesces comment scores per comment at the room interval too', () => {
    const { feed, scores } = feedOf(3_000);
    for (let version = 1; version <= 5; version++) {
      feed.scores.offer({
        articleId: 'a',
        commentId: 'c',
        score: { up: version, down: 0 },
        version,
      });
      jest.advanceTimersByTime(60);
    }
    jest.advanceTimersByTime(200);
    // 0 ms: v1 at once; 200 ms: v4 (v2..v4 offered within the interval); 400 ms: v5
    expect(scores).toEqual([1, 4, 5]);
  });
});

describe('Coalescer with an interval that changes', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('reads the interval at each offer', () => {
    let interval = 100;
    const sent: [number, number][] = [];
    const start = Date.now();
    const coalescer = new Coalescer<number>(
      () => interval,
      (value) => sent.push([Date.now() - start, value]),
    );
    coalescer.offer(1);
    interval = 300;
    coalescer.offer(2);
    jest.advanceTimersByTime(300);
    coalescer.offer(3);
    jest.advanceTimersByTime(300);
    expect(sent).toEqual([
      [0, 1],
      [300, 2],
      [600, 3],
    ]);
  });
});
