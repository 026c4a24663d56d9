import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { type ArticleSnapshot, CommentFeedReader } from '../../comments/comment-feed.reader';
import type { CommentChangedEvent } from '../../comments/comment.events';
import type { CommentScoreChangedEvent } from '../../comments/votes/comment-score.events';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { MetricsService } from '../../metrics/metrics.service';
import type { TallyChangedEvent } from '../../votes/vote.events';
import { SocketServer } from '../transport/socket-server';
import { articleRoom } from '../transport/socket-types';
import { ArticleFeed, type FeedOutput } from './article-feed';

/**
 * The feeds of the articles that have subscribers on this instance (one per article, kept
 * while a socket subscribes or stays subscribed), and what they emit: one room emit per event
 * on this instance's sockets.
 */
@Injectable()
export class ArticleFeeds implements OnApplicationShutdown {
  private readonly logger = new Logger(ArticleFeeds.name);
  private readonly feeds = new Map<string, ArticleFeed>();
  private readonly output: FeedOutput;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    reader: CommentFeedReader,
    sockets: SocketServer,
    private readonly metrics: MetricsService,
  ) {
    this.output = {
      comment: (event) => {
        this.observeLag(event.type, event.committedAt);
        const { articleId, seq } = event;
        if (event.type === 'comment.removed') {
          const status = event.status as 'removed' | 'deleted';
          sockets.emit(articleRoom(articleId), event.type, {
            articleId,
            seq,
            commentId: event.commentId,
            status,
          });
        } else {
          sockets.emit(articleRoom(articleId), event.type, {
            articleId,
            seq,
            comment: event.comment,
          });
        }
      },
      tally: (event) => {
        const { articleId, tallies, version } = event;
        sockets.emit(articleRoom(articleId), 'tally', { articleId, tallies, version });
        this.observeLag('tally', event.committedAt);
      },
      score: (event) => {
        const { articleId, commentId, score } = event;
        sockets.emit(articleRoom(articleId), 'comment.score', { articleId, commentId, score });
        this.observeLag('comment.score', event.committedAt);
      },
      readLog: async (articleId, after, upTo) => {
        this.metrics.realtimeQueries.inc({ query: 'gap' });
        const events = await reader.eventsBetween(articleId, after, upTo);
        this.metrics.catchUpReads.inc();
        return events;
      },
      overflow: (articleId) => {
        // the room starts over: each socket reconnects (a transport close, so the client's
        // automatic reconnect runs) and resubscribes with its `since`
        this.metrics.roomsRestarted.inc();
        this.logger.warn(`article ${articleId}: too many events behind a gap, room restarted`);
        for (const socket of sockets.socketsIn(articleRoom(articleId))) socket.conn.close();
      },
      warn: (message) => this.logger.warn(message),
    };
  }

  /** Keeps (or starts) the feed while a socket subscribes or stays subscribed. */
  hold(snapshot: ArticleSnapshot): ArticleFeed {
    let feed = this.feeds.get(snapshot.articleId);
    if (!feed) {
      feed = new ArticleFeed(
        snapshot.articleId,
        snapshot,
        this.config.tallyIntervalMs,
        this.output,
      );
      this.feeds.set(snapshot.articleId, feed);
    }
    feed.holders++;
    return feed;
  }

  release(articleId: string): void {
    const feed = this.feeds.get(articleId);
    if (!feed || --feed.holders > 0) return;
    feed.close();
    this.feeds.delete(articleId);
  }

  get(articleId: string): ArticleFeed | undefined {
    return this.feeds.get(articleId);
  }

  articleIds(): string[] {
    return [...this.feeds.keys()];
  }

  onComment(event: CommentChangedEvent): void {
    this.feeds.get(event.articleId)?.accept(event);
  }

  onTally(event: TallyChangedEvent): void {
    this.feeds.get(event.articleId)?.tally.offer(event);
  }

  onScore(event: CommentScoreChangedEvent): void {
    this.feeds.get(event.articleId)?.scores.offer(event);
  }

  /** Entries of the per-article maps (for /metrics: they must not grow with churn). */
  trackedSizes(): Record<string, number> {
    let pending = 0;
    for (const feed of this.feeds.values()) pending += feed.pendingCount;
    return { feeds: this.feeds.size, 'feeds.pending': pending };
  }

  onApplicationShutdown(): void {
    for (const feed of this.feeds.values()) feed.close();
  }

  private observeLag(type: string, committedAt: number | undefined): void {
    if (committedAt !== undefined) {
      this.metrics.broadcastLag.observe({ type }, Math.max(0, Date.now() - committedAt) / 1000);
    }
  }
}
