import { Injectable, OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';
import { PresenceService } from './fanout/presence.service';
import { ArticleFeeds } from './feed/article-feeds.service';
import { CountWatches } from './feed/count-watches.service';
import { FeedReads } from './feed/feed-reads';
import { ReplayBudget } from './transport/replay-budget.service';

/**
 * `townhall_realtime_tracked_entries{map}`: the size of every map the realtime layer keeps per
 * article or per address, read at each scrape. With readers coming and going they must stay
 * flat (the churn soak, `npm run soak -- --churn N`, watches them).
 */
@Injectable()
export class RealtimeStats implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly feeds: ArticleFeeds,
    private readonly reads: FeedReads,
    private readonly presence: PresenceService,
    private readonly watches: CountWatches,
    private readonly budget: ReplayBudget,
  ) {}

  onModuleInit(): void {
    const sources = [this.feeds, this.reads, this.presence, this.watches, this.budget];
    new Gauge({
      name: 'townhall_realtime_tracked_entries',
      help: 'Entries of the realtime per-article and per-address maps, by map',
      labelNames: ['map'] as const,
      registers: [this.metrics.registry],
      collect() {
        for (const source of sources) {
          for (const [map, size] of Object.entries(source.trackedSizes())) this.set({ map }, size);
        }
      },
    });
  }
}
