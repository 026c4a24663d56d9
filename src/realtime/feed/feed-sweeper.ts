import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { CommentFeedReader } from '../../comments/comment-feed.reader';
import { MetricsService } from '../../metrics/metrics.service';
import { EventRelay } from '../fanout/event-relay';
import type { ArticleFeed } from './article-feed';
import { ArticleFeeds } from './article-feeds.service';

/** How often articles with local readers are compared with PostgreSQL, to catch lost events. */
export const SWEEP_INTERVAL_MS = 2_000;
/** Articles compared per query (one uuid-array parameter each). */
export const SWEEP_CHUNK = 1_000;
/** Feeds found behind that read their missing events from the log at the same time. */
export const SWEEP_CATCH_UP_CONCURRENCY = 4;

/**
 * Compares every local feed with PostgreSQL every SWEEP_INTERVAL_MS and after the relay
 * reconnects, and fills what was lost: an event whose notification never came (Redis down, an
 * instance killed between COMMIT and publish) still goes out, in order. One query per
 * SWEEP_CHUNK articles; a pass never overlaps the previous one (a tick while one runs is
 * skipped); after a reconnect, when every instance comes back at once, the pass waits a random
 * part of an interval so they do not all read together.
 */
@Injectable()
export class FeedSweeper implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(FeedSweeper.name);
  private timer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly feeds: ArticleFeeds,
    private readonly reader: CommentFeedReader,
    private readonly metrics: MetricsService,
    relay: EventRelay,
  ) {
    relay.onReconnect(() => this.sweepSoon());
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
  }

  /** One pass over every local feed; false (and nothing read) while the previous one runs. */
  async sweep(): Promise<boolean> {
    if (this.running) return false;
    this.running = true;
    try {
      await this.pass();
    } finally {
      this.running = false;
    }
    return true;
  }

  /** A pass within the next interval, at a random moment (once, however many reconnects). */
  private sweepSoon(): void {
    if (this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(
      () => {
        this.reconnectTimer = null;
        void this.sweep();
      },
      Math.floor(Math.random() * SWEEP_INTERVAL_MS),
    );
    this.reconnectTimer.unref();
  }

  private async pass(): Promise<void> {
    const articleIds = this.feeds.articleIds();
    for (let start = 0; start < articleIds.length; start += SWEEP_CHUNK) {
      const chunk = articleIds.slice(start, start + SWEEP_CHUNK);
      this.metrics.realtimeQueries.inc({ query: 'check' });
      let snapshots: Awaited<ReturnType<CommentFeedReader['snapshots']>>;
      try {
        snapshots = await this.reader.snapshots(chunk);
      } catch (error) {
        // PostgreSQL unreachable: the next pass tries again, from the first chunk
        this.logger.warn(`catch-up check failed: ${(error as Error).message}`);
        return;
      }
      const behind: { feed: ArticleFeed; seq: number }[] = [];
      for (const snapshot of snapshots) {
        const feed = this.feeds.get(snapshot.articleId);
        if (!feed) continue;
        if (snapshot.seq > feed.lastSeq) behind.push({ feed, seq: snapshot.seq });
        feed.tally.offer({
          articleId: snapshot.articleId,
          tallies: snapshot.tallies,
          version: snapshot.talliesVersion,
        });
      }
      await this.catchUp(behind);
    }
  }

  /** Reads the missing events of the feeds behind, SWEEP_CATCH_UP_CONCURRENCY at a time. */
  private async catchUp(behind: { feed: ArticleFeed; seq: number }[]): Promise<void> {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < behind.length) {
        const { feed, seq } = behind[next++]!;
        try {
          await feed.catchUp(seq);
        } catch (error) {
          this.logger.warn(`catch-up of ${feed.articleId} failed: ${(error as Error).message}`);
        }
      }
    };
    const lanes = Math.min(SWEEP_CATCH_UP_CONCURRENCY, behind.length);
    await Promise.all(Array.from({ length: lanes }, lane));
  }
}
