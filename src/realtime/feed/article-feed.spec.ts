import type { CommentChangedEvent } from '../../comments/comment.events';
import { ArticleFeed, type FeedOutput, GAP_GRACE_MS, MAX_PENDING } from './article-feed';

const ARTICLE = 'a1';
const SNAPSHOT = {
  articleId: ARTICLE,
  seq: 1,
  commentCount: 1,
  tallies: { interesting: { up: 0, down: 0 }, support: { up: 0, down: 0 } },
  talliesVersion: 0,
};

function event(seq: number): CommentChangedEvent {
  return {
    type: 'comment.removed',
    articleId: ARTICLE,
    seq,
    commentId: `c${seq}`,
    status: 'removed',
  };
}

/** A feed whose log reads wait until the test answers them. */
function feedWithLog() {
  const emitted: number[] = [];
  const reads: { after: number; upTo: number; answer: (events: CommentChangedEvent[]) => void }[] =
    [];
  const overflows: string[] = [];
  const out: FeedOutput = {
    comment: (e) => emitted.push(e.seq),
    tally: () => undefined,
    score: () => undefined,
    readLog: (_articleId, after, upTo) =>
      new Promise((answer) => reads.push({ after, upTo, answer })),
    overflow: (articleId) => overflows.push(articleId),
    warn: () => undefined,
  };
  const feed = new ArticleFeed(ARTICLE, SNAPSHOT, 100, out);
  return { feed, emitted, reads, overflows };
}

describe('ArticleFeed', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('emits in seq order and waits a grace period for a missing event before reading the log', async () => {
    const { feed, emitted, reads } = feedWithLog();
    feed.accept(event(3));
    await jest.advanceTimersByTimeAsync(GAP_GRACE_MS - 1);
    expect(reads).toHaveLength(0);
    feed.accept(event(2));
    await jest.advanceTimersByTimeAsync(GAP_GRACE_MS);
    expect(emitted).toEqual([2, 3]);
    expect(reads).toHaveLength(0);
  });

  it('reads the gap from the log once the grace period is over', async () => {
    const { feed, emitted, reads } = feedWithLog();
    feed.accept(event(4));
    await jest.advanceTimersByTimeAsync(GAP_GRACE_MS);
    expect(reads).toEqual([expect.objectContaining({ after: 1, upTo: 4 })]);
    reads[0]!.answer([event(2), event(3), event(4)]);
    await jest.advanceTimersByTimeAsync(0);
    expect(emitted).toEqual([2, 3, 4]);
  });

  it('emits nothing once closed, even when a log read it started ends afterwards', async () => {
    const { feed, emitted, reads } = feedWithLog();
    const caughtUp = feed.catchUp(3);
    await jest.advanceTimersByTimeAsync(0);
    expect(reads).toHaveLength(1);
    feed.accept(event(5));
    // the feed is released (its last socket left) while its log read is still running
    feed.close();
    reads[0]!.answer([event(2), event(3)]);
    await caughtUp;
    await jest.advanceTimersByTimeAsync(GAP_GRACE_MS * 2);
    feed.accept(event(2));
    expect(emitted).toEqual([]);
    expect(reads).toHaveLength(1);
  });

  it(`restarts the room instead of holding more than ${MAX_PENDING} events behind a gap`, async () => {
    const { feed, emitted, overflows } = feedWithLog();
    for (let seq = 3; seq <= MAX_PENDING + 2; seq++) feed.accept(event(seq));
    expect(overflows).toEqual([]);
    feed.accept(event(MAX_PENDING + 3));
    expect(overflows).toEqual([ARTICLE]);
    // what it held is gone: the missing event releases nothing
    feed.accept(event(2));
    await jest.advanceTimersByTimeAsync(0);
    expect(emitted).toEqual([2]);
    feed.close();
  });
});
