import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { ArticleCounts } from '../../articles/external-articles.repository';
import { SiteArticlesService } from '../../articles/site-articles.service';
import { CommentFeedReader } from '../../comments/comment-feed.reader';
import type { CommentChangedEvent } from '../../comments/comment.events';
import { DomainEventBus } from '../../common/events/domain-event-bus';
import { NotFoundError } from '../../common/errors/domain-error';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { TallyChangedEvent } from '../../votes/vote.events';
import { type Ack, type ArticleCounts as Counts, MAX_WATCHED, type WatchResult } from '../contract';
import type { WatchDto } from '../transport/socket-payloads.dto';
import { SocketServer } from '../transport/socket-server';
import { countsRoom, type TownhallSocket } from '../transport/socket-types';
import { fail } from '../transport/socket-validation';
import { Coalescer } from './coalescer';

/** How often watched articles are compared with PostgreSQL (a lost event still shows). */
const SWEEP_INTERVAL_MS = 5_000;

interface Watched extends ArticleCounts {
  siteId: string;
  externalId: string;
  /** Sockets of this instance watching. */
  holders: number;
  coalescer: Coalescer<Counts>;
}

/**
 * Live comment-count badges: sockets `watch` a site's articles by external id and get `count`
 * after each change (at most once per TALLY_INTERVAL_MS per article, the newest counts).
 * Counts follow the comment events (their `commentCount` at a `seq`) and the tallies (their
 * `version`); a periodic comparison with PostgreSQL repairs what a lost event left behind.
 */
@Injectable()
export class CountWatches implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CountWatches.name);
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly siteArticles: SiteArticlesService,
    private readonly reader: CommentFeedReader,
    private readonly sockets: SocketServer,
    private readonly orm: MikroORM,
    private readonly bus: DomainEventBus,
  ) {}

  trackedSizes(): Record<string, number> {
    return { watches: this.watched.size };
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    for (const entry of this.watched.values()) entry.coalescer.stop();
  }

  async watch(socket: TownhallSocket, dto: WatchDto): Promise<Ack<WatchResult>> {
    const ids = [...new Set(dto.externalIds)];
    let found: Map<string, ArticleCounts>;
    try {
      found = await RequestContext.create(this.orm.em, () =>
        this.siteArticles.counts(dto.siteId.toLowerCase(), ids),
      );
    } catch (error) {
      if (error instanceof NotFoundError) return fail('not_found', 'site not found');
      throw error;
    }
    const fresh = [...found.values()].filter((c) => !socket.data.watching.has(c.articleId));
    if (socket.data.watching.size + fresh.length > MAX_WATCHED) {
      return fail('bad_request', `at most ${MAX_WATCHED} watched articles per connection`);
    }
    if (!socket.connected) return fail('internal', 'disconnected');
    const counts: Record<string, Counts> = {};
    const followed: string[] = [];
    for (const [externalId, read] of found) {
      const entry = this.hold(dto.siteId.toLowerCase(), externalId, read, socket, followed);
      counts[externalId] = { commentCount: entry.commentCount, tallies: entry.tallies };
    }
    // the counts were read before the new articles' events flowed here: read them once more
    // when they do, so a change in between shows at once rather than at the next sweep
    if (followed.length > 0) {
      void Promise.all(followed.map((id) => this.bus.follow(id))).then(() => this.check(followed));
    }
    return { ok: true, counts };
  }

  /** A disconnected socket stops watching (its rooms are left by Socket.IO). */
  dropAll(socket: TownhallSocket): void {
    for (const articleId of socket.data.watching ?? []) this.release(articleId);
    socket.data.watching?.clear();
  }

  onComment(event: CommentChangedEvent): void {
    const entry = this.watched.get(event.articleId);
    if (!entry || event.commentCount === undefined || event.seq <= entry.commentSeq) return;
    entry.commentSeq = event.seq;
    if (event.commentCount === entry.commentCount) return;
    entry.commentCount = event.commentCount;
    this.changed(entry);
  }

  onTally(event: TallyChangedEvent): void {
    const entry = this.watched.get(event.articleId);
    if (!entry || event.version <= entry.talliesVersion) return;
    entry.talliesVersion = event.version;
    entry.tallies = event.tallies;
    this.changed(entry);
  }

  private hold(
    siteId: string,
    externalId: string,
    read: ArticleCounts,
    socket: TownhallSocket,
    followed: string[],
  ): Watched {
    let entry = this.watched.get(read.articleId);
    if (!entry) {
      followed.push(read.articleId);
      entry = {
        ...read,
        siteId,
        externalId,
        holders: 0,
        coalescer: new Coalescer(this.config.tallyIntervalMs, (counts) =>
          this.sockets.emit(countsRoom(read.articleId), 'count', {
            siteId,
            externalId,
            ...counts,
          }),
        ),
      };
      this.watched.set(read.articleId, entry);
    } else {
      this.catchUp(entry, read);
    }
    if (!socket.data.watching.has(read.articleId)) {
      socket.data.watching.add(read.articleId);
      this.sockets.join(socket, countsRoom(read.articleId));
      entry.holders++;
    }
    return entry;
  }

  private release(articleId: string): void {
    const entry = this.watched.get(articleId);
    if (!entry || --entry.holders > 0) return;
    entry.coalescer.stop();
    this.watched.delete(articleId);
    this.bus.unfollow(articleId);
  }

  /** Takes what a read from PostgreSQL shows, where it is newer than what the events brought. */
  private catchUp(
    entry: Watched,
    read: Pick<ArticleCounts, 'commentSeq' | 'commentCount' | 'talliesVersion' | 'tallies'>,
  ): void {
    let changed = false;
    if (read.commentSeq > entry.commentSeq) {
      entry.commentSeq = read.commentSeq;
      changed ||= entry.commentCount !== read.commentCount;
      entry.commentCount = read.commentCount;
    }
    if (read.talliesVersion > entry.talliesVersion) {
      entry.talliesVersion = read.talliesVersion;
      entry.tallies = read.tallies;
      changed = true;
    }
    if (changed) this.changed(entry);
  }

  private changed(entry: Watched): void {
    entry.coalescer.offer({ commentCount: entry.commentCount, tallies: entry.tallies });
  }

  private sweep(): Promise<void> {
    return this.check([...this.watched.keys()]);
  }

  /** Compares the watched articles among `articleIds` with PostgreSQL. */
  private async check(articleIds: string[]): Promise<void> {
    if (this.watched.size === 0 || articleIds.length === 0) return;
    try {
      for (const snapshot of await this.reader.snapshots(articleIds)) {
        const entry = this.watched.get(snapshot.articleId);
        if (!entry) continue;
        this.catchUp(entry, {
          commentSeq: snapshot.seq,
          commentCount: snapshot.commentCount,
          talliesVersion: snapshot.talliesVersion,
          tallies: snapshot.tallies,
        });
      }
    } catch (error) {
      this.logger.warn(`count check failed: ${(error as Error).message}`);
    }
  }
}
