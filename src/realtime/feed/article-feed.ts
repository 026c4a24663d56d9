import type { ArticleSnapshot } from '../../comments/comment-feed.reader';
import type { CommentChangedEvent } from '../../comments/comment.events';
import type { TallyChangedEvent } from '../../votes/vote.events';
import type { CommentScoreChangedEvent } from '../../comments/votes/comment-score.events';
import { roomIntervalMs } from './room-interval';
import { ScoreThrottles } from './score-throttles';
import { TallyThrottle } from './tally-throttle';

/** What a feed needs from outside: the room, the event log, and somewhere to report. */
export interface FeedOutput {
  comment(event: CommentChangedEvent): void;
  tally(event: TallyChangedEvent): void;
  score(event: CommentScoreChangedEvent): void;
  /** The article's logged events `after < seq <= upTo`, in order. */
  readLog(articleId: string, after: number, upTo: number): Promise<CommentChangedEvent[]>;
  /** More than MAX_PENDING events wait for a gap: the room's sockets must start over. */
  overflow(articleId: string): void;
  warn(message: string): void;
}

/** How long an early event waits for the ones before it before the log is read. */
export const GAP_GRACE_MS = 50;
/** Most events a feed holds while a gap is open; past it the room starts over. */
export const MAX_PENDING = 1_000;

/**
 * One article's live stream on this instance. Comment events reach the room in `seq` order
 * with no gap: an event that arrives early waits (GAP_GRACE_MS for the missing ones, then they
 * are read from the event log; past MAX_PENDING waiting, the room is told to start over). Emits
 * and log reads of the article run one at a time (`serially`); once closed (released or
 * replaced), a feed emits nothing more, whatever is still running. Tallies go through a
 * TallyThrottle and comment scores through ScoreThrottles, at an interval that grows with the
 * number of this instance's sockets holding the feed (roomIntervalMs): never more often than
 * TALLY_INTERVAL_MS.
 */
export class ArticleFeed {
  /** The last comment `seq` emitted to the room: every seq up to it went out, in order. */
  lastSeq: number;
  readonly tally: TallyThrottle;
  /** Comment scores, coalesced per comment like the tallies. */
  readonly scores: ScoreThrottles;
  /** Sockets of this instance subscribed, or subscribing. */
  holders = 0;
  /** Comment events waiting for an earlier seq. */
  private readonly pending = new Map<number, CommentChangedEvent>();

  /** Live events waiting for a missing seq. */
  get pendingCount(): number {
    return this.pending.size;
  }
  private chain: Promise<void> = Promise.resolve();
  private gapTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    readonly articleId: string,
    snapshot: ArticleSnapshot,
    tallyIntervalMs: number,
    private readonly out: FeedOutput,
  ) {
    this.lastSeq = snapshot.seq;
    const intervalMs = (): number => roomIntervalMs(tallyIntervalMs, this.holders);
    this.tally = new TallyThrottle(
      { version: snapshot.talliesVersion, tallies: snapshot.tallies },
      intervalMs,
      (event) => out.tally(event),
    );
    this.scores = new ScoreThrottles(intervalMs, (event) => out.score(event));
  }

  /** A comment event from the relay; older ones than the room has seen are ignored. */
  accept(event: CommentChangedEvent): void {
    if (this.closed || event.seq <= this.lastSeq) return;
    this.pending.set(event.seq, event);
    if (this.pending.size > MAX_PENDING) {
      this.pending.clear();
      this.out.overflow(this.articleId);
      return;
    }
    void this.serially(async () => {
      this.emitPending();
      // an earlier event has not arrived (yet): give it a moment, then take it from the log
      if (this.pending.size > 0 && !this.gapTimer && !this.closed) {
        this.gapTimer = setTimeout(() => {
          this.gapTimer = null;
          void this.serially(async () => {
            this.emitPending();
            if (this.pending.size > 0) await this.fillFromLog(highest(this.pending.keys()));
          });
        }, GAP_GRACE_MS);
      }
    });
  }

  /** Resolves once every event up to `seq` has been emitted to the room. */
  catchUp(seq: number): Promise<void> {
    return this.serially(async () => {
      if (seq > this.lastSeq) await this.fillFromLog(seq);
    });
  }

  close(): void {
    this.closed = true;
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.pending.clear();
    this.tally.stop();
    this.scores.stop();
  }

  private emitPending(): void {
    if (this.closed) return;
    for (
      let next = this.pending.get(this.lastSeq + 1);
      next;
      next = this.pending.get(this.lastSeq + 1)
    ) {
      this.pending.delete(next.seq);
      this.lastSeq = next.seq;
      this.out.comment(next);
    }
    for (const seq of this.pending.keys()) if (seq <= this.lastSeq) this.pending.delete(seq);
  }

  private async fillFromLog(upTo: number): Promise<void> {
    if (this.closed) return;
    const events = await this.out.readLog(this.articleId, this.lastSeq, upTo);
    if (this.closed) return;
    for (const event of events)
      if (!this.pending.has(event.seq)) this.pending.set(event.seq, event);
    this.emitPending();
  }

  private serially(work: () => Promise<void>): Promise<void> {
    const run = this.chain.then(work);
    this.chain = run.catch((error: unknown) => {
      this.out.warn(`feed catch-up failed: ${(error as Error).message}`);
    });
    return run;
  }
}

function highest(values: Iterable<number>): number {
  let max = -Infinity;
  for (const value of values) if (value > max) max = value;
  return max;
}
