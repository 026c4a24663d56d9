import { Injectable } from '@nestjs/common';
import { type ArticleSnapshot, CommentFeedReader } from '../../comments/comment-feed.reader';
import { MetricsService } from '../../metrics/metrics.service';
import { MAX_REPLAY, type ReplayedEvent } from '../contract';
import { shareEvent } from '../transport/ack-encoder';
import { CoalescedReads } from './coalesced-reads';

/** The longest range of events one coalesced replay read covers. */
const MAX_REPLAY_READ = 2 * MAX_REPLAY;

/** Events `after < seq <= upTo`. */
interface SeqRange {
  after: number;
  upTo: number;
}

/**
 * What a subscribe reads: the article's snapshot and the events it missed. Subscribes of one
 * article arriving together (a thousand readers reconnecting after a blip) share their reads
 * (see CoalescedReads), and the replayed events are shared too: frozen, encoded once.
 */
@Injectable()
export class FeedReads {
  private readonly snapshots: CoalescedReads<true, ArticleSnapshot | null>;
  private readonly replays: CoalescedReads<SeqRange, ReplayedEvent[]>;

  constructor(reader: CommentFeedReader, metrics: MetricsService) {
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
        const events = await reader.eventsBetween(articleId, after, upTo);
        return events.map(({ committedAt: _at, ...event }) => shareEvent(event as ReplayedEvent));
      },
      (a, b) => {
        const merged = { after: Math.min(a.after, b.after), upTo: Math.max(a.upTo, b.upTo) };
        return merged.upTo - merged.after <= MAX_REPLAY_READ ? merged : null;
      },
    );
  }

  trackedSizes(): Record<string, number> {
    return { 'reads.snapshots': this.snapshots.size, 'reads.replays': this.replays.size };
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
    const events = await this.replays.get(articleId, { after, upTo });
    return events.filter((event) => event.seq > after && event.seq <= upTo);
  }
}
