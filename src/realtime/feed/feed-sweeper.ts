import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { CommentFeedReader } from '../../comments/comment-feed.reader';
import { MetricsService } from '../../metrics/metrics.service';
import { EventRelay } from '../fanout/event-relay';
import { ArticleFeeds } from './article-feeds.service';

/** How often articles with local readers are compared with PostgreSQL, to catch lost events. */
export const SWEEP_INTERVAL_MS = 2_000;

/**
 * Compares every local feed with PostgreSQL (one query) every SWEEP_INTERVAL_MS and when the
 * relay reconnects, and fills what was lost: an event whose notification never came (Redis
 * down, an instance killed between COMMIT and publish) still goes out, in order.
 */
@Injectable()
export class FeedSweeper implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(FeedSweeper.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly feeds: ArticleFeeds,
    private readonly reader: CommentFeedReader,
    private readonly metrics: MetricsService,
    relay: EventRelay,
  ) {
    relay.onReconnect(() => void this.sweep());
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async sweep(): Promise<void> {
    const articleIds = this.feeds.articleIds();
    if (articleIds.length === 0) return;
    try {
      this.metrics.realtimeQueries.inc({ query: 'check' });
      for (const snapshot of await this.reader.snapshots(articleIds)) {
        const feed = this.feeds.get(snapshot.articleId);
        if (!feed) continue;
        if (snapshot.seq > feed.lastSeq) await feed.catchUp(snapshot.seq);
        feed.tally.offer({
          articleId: snapshot.articleId,
          tallies: snapshot.tallies,
          version: snapshot.talliesVersion,
        });
      }
    } catch (error) {
      this.logger.warn(`catch-up check failed: ${(error as Error).message}`);
    }
  }
}
