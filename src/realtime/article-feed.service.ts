import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import type { Server } from 'socket.io';
import type { CommentChangedEvent } from '../comments/comment.events';
import { toCommentView } from '../comments/comment.view';
import {
  type ArticleSnapshotRow,
  CommentsRepository,
  type EventRow,
} from '../comments/comments.repository';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { TallyChangedEvent } from '../votes/vote.events';
import {
  type ClientToServerEvents,
  MAX_REPLAY,
  type ReplayedEvent,
  type ServerToClientEvents,
  type Tallies,
} from './contract';
import { shareEvent } from './ack-encoder';
import { CoalescedReads } from './coalesced-reads';
import { EventRelay } from './event-relay';
import { MetricsService } from '../metrics/metrics.service';

export const articleRoom = (articleId: string): string => `article:${articleId}`;

/** How often articles with local readers are compared with PostgreSQL, to catch lost events. */
const SWEEP_INTERVAL_MS = 2_000;
/** The longest range of events one coalesced replay read covers. */
const MAX_REPLAY_READ = 2 * MAX_REPLAY;

/** Events `after < seq <= upTo`. */
interface SeqRange {
  after: number;
  upTo: number;
}

export interface Feed {
  /** The last comment `seq` emitted to the room: every seq up to it went out, in order. */
  lastSeq: number;
  /** Comment events waiting for an earlier seq. */
  pending: Map<number, CommentChangedEvent>;
  /** Serialises emits and catch-up reads of this article. */
  chain: Promise<void>;
  tally: {
    /** The version and tallies last emitted (or read at the start): what a new subscriber is told. */
    version: number;
    tallies: Tallies;
    lastSentAt: number;
    latest: TallyChangedEvent | null;
    timer: NodeJS.Timeout | null;
  };
  /** Sockets of this instance subscribed, or subscribing. */
  holders: number;
}

type IoServer = Server<ClientToServerEvents, ServerToClientEvents>;

/**
 * One feed per article with readers on this instance. Comment events reach the article's room
 * in `seq` order with no gap: an event that arrives early waits, a gap is filled from the event
 * log, and a periodic check against PostgreSQL catches events whose notification was lost
 * (Redis down, an instance killed between COMMIT and publish). Tallies go out at most once per
 * TALLY_INTERVAL_MS per article, newest version only. Each emit is one local room emit: every
 * instance emits to its own sockets.
 */
@Injectable()
export class ArticleFeedService implements OnApplicationShutdown {
  private readonly logger = new Logger(ArticleFeedService.name);
  private readonly feeds = new Map<string, Feed>();
  private server: IoServer | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  /** Subscribes of one article arriving together share their reads (see CoalescedReads). */
  private readonly snapshotReads = new CoalescedReads<true, ArticleSnapshotRow | null>(
    (articleId) => {
      this.metrics.realtimeQueries.inc({ query: 'snapshot' });
      return this.inContext(() => this.comments.snapshot(articleId));
    },
    () => true,
  );
  private readonly replayReads = new CoalescedReads<SeqRange, ReplayedEvent[]>(
    async (articleId, { after, upTo }) => {
      this.metrics.realtimeQueries.inc({ query: 'replay' });
      this.metrics.catchUpReads.inc();
      const rows = await this.inContext(() => this.comments.eventsBetween(articleId, after, upTo));
      // shared by every subscriber the read answers: frozen, and encoded once (ack-encoder.ts)
      return rows.map((row) => shareEvent(replayed(articleId, row)));
    },
    (a, b) => {
      const merged = { after: Math.min(a.after, b.after), upTo: Math.max(a.upTo, b.upTo) };
      return merged.upTo - merged.after <= MAX_REPLAY_READ ? merged : null;
    },
  );

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly comments: CommentsRepository,
    private readonly orm: MikroORM,
    private readonly metrics: MetricsService,
    relay: EventRelay,
  ) {
    relay.onMessage((message) => {
      if (message.kind === 'comment') this.onComment(message.event);
      if (message.kind === 'tally') this.onTally(message.event);
    });
    relay.onReconnect(() => void this.sweep());
  }

  attach(server: IoServer): void {
    this.server = server;
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  /** Keeps (or starts) the feed while a socket subscribes or stays subscribed. */
  hold(articleId: string, snapshot: ArticleSnapshotRow): Feed {
    let feed = this.feeds.get(articleId);
    if (!feed) {
      feed = {
        lastSeq: snapshot.comment_seq,
        pending: new Map(),
        chain: Promise.resolve(),
        tally: {
          version: snapshot.tallies_version,
          tallies: talliesOf(snapshot),
          lastSentAt: 0,
          latest: null,
          timer: null,
        },
        holders: 0,
      };
      this.feeds.set(articleId, feed);
    }
    feed.holders++;
    return feed;
  }

  release(articleId: string): void {
    const feed = this.feeds.get(articleId);
    if (!feed || --feed.holders > 0) return;
    if (feed.tally.timer) clearTimeout(feed.tally.timer);
    this.feeds.delete(articleId);
  }

  /** Resolves once every event up to `seq` has been emitted to the room. */
  catchUp(articleId: string, feed: Feed, seq: number): Promise<void> {
    return this.serially(feed, async () => {
      if (seq > feed.lastSeq) await this.fillFromLog(articleId, feed, seq);
    });
  }

  /**
   * The article's row as a subscribe starts from, read after this call (subscribes of one
   * article arriving together share one read).
   */
  snapshot(articleId: string): Promise<ArticleSnapshotRow | null> {
    return this.snapshotReads.get(articleId, true);
  }

  /**
   * Events `after < seq <= upTo`, as a replay shows them (comments as they are now, read after
   * this call). Replays of one article asked for together share one read of the event log; the
   * events are shared too (read-only).
   */
  async replay(articleId: string, after: number, upTo: number): Promise<ReplayedEvent[]> {
    if (upTo <= after) return [];
    const events = await this.replayReads.get(articleId, { after, upTo });
    return events.filter((event) => event.seq > after && event.seq <= upTo);
  }

  onApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const feed of this.feeds.values()) if (feed.tally.timer) clearTimeout(feed.tally.timer);
  }

  private onComment(event: CommentChangedEvent): void {
    const feed = this.feeds.get(event.articleId);
    if (!feed || event.seq <= feed.lastSeq) return;
    feed.pending.set(event.seq, event);
    void this.serially(feed, async () => {
      this.emitPending(event.articleId, feed);
      if (feed.pending.size > 0) {
        // an earlier event has not arrived (yet): take it from the log
        await this.fillFromLog(event.articleId, feed, Math.max(...feed.pending.keys()));
      }
    });
  }

  private onTally(event: TallyChangedEvent): void {
    const feed = this.feeds.get(event.articleId);
    if (!feed || event.version <= feed.tally.version) return;
    const tally = feed.tally;
    if (tally.latest && tally.latest.version >= event.version) return;
    tally.latest = event;
    const wait = tally.lastSentAt + this.config.tallyIntervalMs - Date.now();
    if (wait <= 0 && !tally.timer) {
      this.flushTally(event.articleId, feed);
    } else if (!tally.timer) {
      tally.timer = setTimeout(() => this.flushTally(event.articleId, feed), Math.max(wait, 0));
    }
  }

  private flushTally(articleId: string, feed: Feed): void {
    const tally = feed.tally;
    tally.timer = null;
    const latest = tally.latest;
    if (!latest || latest.version <= tally.version || this.feeds.get(articleId) !== feed) return;
    tally.latest = null;
    tally.version = latest.version;
    tally.tallies = latest.tallies;
    tally.lastSentAt = Date.now();
    this.emit(articleId, 'tally', { articleId, tallies: latest.tallies, version: latest.version });
    this.observeLag('tally', latest.committedAt);
  }

  private emitPending(articleId: string, feed: Feed): void {
    for (
      let next = feed.pending.get(feed.lastSeq + 1);
      next;
      next = feed.pending.get(feed.lastSeq + 1)
    ) {
      feed.pending.delete(next.seq);
      feed.lastSeq = next.seq;
      this.observeLag(next.type, next.committedAt);
      if (next.type === 'comment.removed') {
        const { articleId: id, seq, commentId, status } = next;
        this.emit(articleId, 'comment.removed', {
          articleId: id,
          seq,
          commentId,
          status: status as 'removed' | 'deleted',
        });
      } else {
        this.emit(articleId, next.type, { articleId, seq: next.seq, comment: next.comment });
      }
    }
    for (const seq of feed.pending.keys()) if (seq <= feed.lastSeq) feed.pending.delete(seq);
  }

  private async fillFromLog(articleId: string, feed: Feed, upTo: number): Promise<void> {
    this.metrics.realtimeQueries.inc({ query: 'gap' });
    const rows = await this.inContext(() =>
      this.comments.eventsBetween(articleId, feed.lastSeq, upTo),
    );
    this.metrics.catchUpReads.inc();
    for (const row of rows) {
      if (!feed.pending.has(row.seq)) feed.pending.set(row.seq, asChange(articleId, row));
    }
    this.emitPending(articleId, feed);
  }

  /** Compares every local feed with PostgreSQL in one query; fills what was lost. */
  private async sweep(): Promise<void> {
    if (this.feeds.size === 0) return;
    try {
      this.metrics.realtimeQueries.inc({ query: 'check' });
      const rows = await this.inContext(() => this.comments.snapshots([...this.feeds.keys()]));
      for (const row of rows) {
        const feed = this.feeds.get(row.id);
        if (!feed) continue;
        if (row.comment_seq > feed.lastSeq) await this.catchUp(row.id, feed, row.comment_seq);
        if (row.tallies_version > feed.tally.version) {
          this.onTally({
            articleId: row.id,
            tallies: talliesOf(row),
            version: row.tallies_version,
          });
        }
      }
    } catch (error) {
      this.logger.warn(`catch-up check failed: ${(error as Error).message}`);
    }
  }

  private emit<K extends keyof ServerToClientEvents>(
    articleId: string,
    event: K,
    payload: Parameters<ServerToClientEvents[K]>[0],
  ): void {
    if (!this.server) return;
    // local: every instance emits to its own sockets (the relay brought the event here)
    (this.server.local.to(articleRoom(articleId)).emit as (e: K, p: unknown) => boolean)(
      event,
      payload,
    );
    this.metrics.eventsSent.inc({ type: event });
  }

  private observeLag(type: string, committedAt: number | undefined): void {
    if (committedAt !== undefined) {
      this.metrics.broadcastLag.observe({ type }, Math.max(0, Date.now() - committedAt) / 1000);
    }
  }

  private serially(feed: Feed, work: () => Promise<void>): Promise<void> {
    const run = feed.chain.then(work);
    feed.chain = run.catch((error: unknown) => {
      this.logger.warn(`feed catch-up failed: ${(error as Error).message}`);
    });
    return run;
  }

  private inContext<T>(work: () => Promise<T>): Promise<T> {
    return RequestContext.create(this.orm.em, work);
  }
}

export function talliesOf(row: ArticleSnapshotRow): Tallies {
  return {
    interesting: { up: row.interesting_up, down: row.interesting_down },
    support: { up: row.support_up, down: row.support_down },
  };
}

function asChange(articleId: string, row: EventRow): CommentChangedEvent {
  return row.type === 'comment.removed'
    ? {
        type: row.type,
        articleId,
        seq: row.seq,
        commentId: row.id,
        status: row.event_status ?? row.status,
      }
    : { type: row.type, articleId, seq: row.seq, comment: toCommentView(row) };
}

function replayed(articleId: string, row: EventRow): ReplayedEvent {
  const change = asChange(articleId, row);
  return change.type === 'comment.removed'
    ? { ...change, status: change.status as 'removed' | 'deleted' }
    : { ...change, type: change.type };
}
