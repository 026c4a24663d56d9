import type { CommentScoreChangedEvent } from '../../comments/votes/comment-score.events';
import { Coalescer } from './coalescer';

/**
 * The comment scores of one article's room: per comment, at most one `comment.score` per
 * interval, always the newest version, never an older one after a newer (like TallyThrottle).
 */
export class ScoreThrottles {
  private readonly comments = new Map<
    string,
    { offered: number; coalescer: Coalescer<CommentScoreChangedEvent> }
  >();
  private stopped = false;

  constructor(
    private readonly intervalMs: number | (() => number),
    private readonly send: (event: CommentScoreChangedEvent) => void,
  ) {}

  offer(event: CommentScoreChangedEvent): void {
    if (this.stopped) return;
    let entry = this.comments.get(event.commentId);
    if (!entry) {
      entry = { offered: 0, coalescer: new Coalescer(this.intervalMs, this.send) };
      this.comments.set(event.commentId, entry);
    }
    if (event.version <= entry.offered) return;
    entry.offered = event.version;
    entry.coalescer.offer(event);
  }

  /** Nothing more is sent (the feed was released). */
  stop(): void {
    this.stopped = true;
    for (const { coalescer } of this.comments.values()) coalescer.stop();
    this.comments.clear();
  }
}
