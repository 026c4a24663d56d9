import { performance } from 'node:perf_hooks';
import { Injectable } from '@nestjs/common';
import { type ArticleSnapshot, CommentFeedReader } from '../../comments/comment-feed.reader';
import { MetricsService } from '../../metrics/metrics.service';
import { MAX_REPLAY, type ReplayedEvent } from '../contract';
import { shareEvent } from '../transport/ack-encoder';
import { CoalescedReads } from './coalesced-reads';

/** The longest range of events one coalesced replay read covers. */
const MAX_REPLAY_READ = 2 * MAX_REPLAY;

/** How long an article's last replay read answers later replays while nothing changed. */
export const REPLAY_REUSE_MS = 1_000;
/** Articles whose last replay read is kept (the oldest go first, and any older than REUSE). */
export const MAX_KEPT_REPLAYS = 32;

/** Events `after < seq <= upTo`. */
interface SeqRange {
  after: number;
  upTo: number;
}

interface KeptReplay extends SeqRange {
  events: ReplayedEvent[];
  readAt: number;
}

/**
 * What a subscribe reads: the article's snapshot and the events it missed. Subscribes of one
 * article arriving together (a thousand readers reconnecting after a blip) share their reads
 * (see CoalescedReads), and the replayed events are shared too: frozen, encoded once. The
 * last replay read of an article also answers the replays that follow it for REPLAY_REUSE_MS,
 * unless the article's comments changed since (a comment event or a comment's score, told by
 * `changed`): a hundred sockets asking for the last 999 events again and again cost a read a
 * second, not one each, and their acks share one encoded text.
 */
@Injectable()
export class FeedReads {
  private readonly snapshots: CoalescedReads<true, ArticleSnapshot | null>;
  private readonly replays: CoalescedReads<SeqRange, ReplayedEvent[]>;
  private readonly kept = new Map<string, KeptReplay>();
  /** The replay read of an article running now (one at a time): made stale by a change. */
  private readonly reading = new Map<string, { stale: boolean }>();

  constructor(
    reader: CommentFeedReader,
    private readonly metrics: MetricsService,
  ) {
    this.snapshots = new CoalescedReads(
      (articleId) => {
        metrics.realtimeQueries.inc({ query: 'snapshot' });
        return reader.snapshot(articleId);
      },
      () => true,
    );
    this.replays = new CoalescedReads(
      async (articleId, { after, upTo }) => {
        metrics.realtimeQueries.inc({ query: 'replay' });
        metrics.catchUpReads.inc();
        const read = { stale: false };
        this.reading.set(articleId, read);
        const readAt = performance.now();
        let events: ReplayedEvent[];
        try {
          const logged = await reader.eventsBetween(articleId, after, upTo);
          events = logged.map(({ committedAt: _at, ...event }) =>
            shareEvent(event as ReplayedEvent),
          );
        } finally {
          this.reading.delete(articleId);
        }
        if (!read.stale) this.keep(articleId, { after, upTo, events, readAt });
        return events;
      },
      (a, b) => {
        const merged = { after: Math.min(a.after, b.after), upTo: Math.max(a.upTo, b.upTo) };
        return merged.upTo - merged.after <= MAX_REPLAY_READ ? merged : null;
      },
    );
  }

  trackedSizes(): Record<string, number> {
    return {
      'reads.snapshots': this.snapshots.size,
      'reads.replays': this.replays.size,
      'reads.kept': this.kept.size,
    };
  }

  /** The article's comments changed: its kept replay (and any read running now) is stale. */
  changed(articleId: string): void {
    this.kept.delete(articleId);
    const read = this.reading.get(articleId);
    if (read) read.stale = true;
  }

  /** The article's row as a subscribe starts from, read after this call; null if unknown. */
  snapshot(articleId: string): Promise<ArticleSnapshot | null> {
    return this.snapshots.get(articleId, true);
  }

  /**
   * Events `after < seq <= upTo` as a replay shows them (comments as they are now, read after
   * this call).
   */
  async replay(articleId: string, after: number, upTo: number): Promise<ReplayedEvent[]> {
    if (upTo <= after) return [];
    const kept = this.kept.get(articleId);
    let events: ReplayedEvent[];
    if (
      kept &&
      kept.after <= after &&
      kept.upTo >= upTo &&
      performance.now() - kept.readAt < REPLAY_REUSE_MS
    ) {
      this.metrics.replaysReused.inc();
      events = kept.events;
    } else {
      events = await this.replays.get(articleId, { after, upTo });
    }
    return events.filter((event) => event.seq > after && event.seq <= upTo);
  }

  /** Keeps a read for the replays that follow; the Map's order is the order of the reads. */
  private keep(articleId: string, replay: KeptReplay): void {
    this.kept.delete(articleId);
    this.kept.set(articleId, replay);
    for (const [oldest, { readAt }] of this.kept) {
      if (this.kept.size <= MAX_KEPT_REPLAYS && replay.readAt - readAt < REPLAY_REUSE_MS) break;
      this.kept.delete(oldest);
    }
  }
}
