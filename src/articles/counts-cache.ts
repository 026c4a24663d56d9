import { Inject, Injectable } from '@nestjs/common';
import type { CommentChangedEvent } from '../comments/comment.events';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { OnDomainEvent } from '../common/events/on-domain-event.decorator';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { TallyChangedEvent } from '../votes/vote.events';

/** Most cached answers kept; the oldest goes first. */
export const MAX_CACHED_COUNTS = 1_000;

/** One read of the counts: the answer's JSON and the articles it covers. */
export interface CountsRead {
  body: string;
  articleIds: string[];
}

interface Entry extends CountsRead {
  siteId: string;
  expiresAt: number;
}

/**
 * The answers of GET /api/sites/:id/counts for up to COUNTS_CACHE_MS: a front page asks for
 * the same ids for every reader. An answer is dropped as soon as one of its articles changes
 * (comment or tally events, from any instance) or the site's articles are added or deleted on
 * this instance, so a cached answer is never older than the last change this instance saw;
 * an article another instance adds appears within COUNTS_CACHE_MS. With per-article relay
 * channels, an answer is kept only when its articles' events already reached this instance
 * before the read, and its articles' channels stay subscribed while it is kept. Concurrent misses of one
 * key share one read, and a read that overlapped a change is not kept.
 */
@Injectable()
export class CountsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly keysByArticle = new Map<string, Set<string>>();
  private readonly reading = new Map<string, Promise<CountsRead>>();
  /** Bumped on every drop: a read that saw it change may hold data from before the change. */
  private changes = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly bus: DomainEventBus,
  ) {}

  async get(siteId: string, ids: string[], load: () => Promise<CountsRead>): Promise<string> {
    const ttlMs = this.config.countsCacheMs;
    if (ttlMs === 0) return (await load()).body;
    const key = `${siteId}\n${[...new Set(ids)].sort().join(',')}`;
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.body;
    if (cached) this.drop(key);
    let pending = this.reading.get(key);
    if (!pending) {
      const changesBefore = this.changes;
      const flowing = this.bus.flowing();
      pending = load().finally(() => this.reading.delete(key));
      this.reading.set(key, pending);
      const read = await pending;
      if (this.changes === changesBefore && read.articleIds.every(flowing)) {
        this.keep(key, siteId, read, ttlMs);
      } else {
        // articles whose events did not reach this instance yet: their channels start (and
        // linger), so the next read of them can be kept
        for (const articleId of read.articleIds) {
          void this.bus.follow(articleId);
          this.bus.unfollow(articleId);
        }
      }
      return read.body;
    }
    return (await pending).body;
  }

  @OnDomainEvent('comment.changed')
  onComment(event: CommentChangedEvent): void {
    this.dropArticle(event.articleId);
  }

  @OnDomainEvent('tally.changed')
  onTally(event: TallyChangedEvent): void {
    this.dropArticle(event.articleId);
  }

  /** After an article of the site was created or deleted here. */
  dropSite(siteId: string): void {
    this.changes++;
    for (const [key, entry] of this.entries) if (entry.siteId === siteId) this.drop(key);
  }

  private dropArticle(articleId: string): void {
    this.changes++;
    for (const key of this.keysByArticle.get(articleId) ?? []) this.drop(key);
  }

  private keep(key: string, siteId: string, read: CountsRead, ttlMs: number): void {
    if (this.entries.size >= MAX_CACHED_COUNTS) this.drop(this.entries.keys().next().value!);
    this.entries.set(key, { ...read, siteId, expiresAt: Date.now() + ttlMs });
    for (const articleId of read.articleIds) {
      let keys = this.keysByArticle.get(articleId);
      if (!keys) this.keysByArticle.set(articleId, (keys = new Set()));
      keys.add(key);
      // a change of the article, on any instance, must reach this one while the answer is kept
      void this.bus.follow(articleId);
    }
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    for (const articleId of entry.articleIds) {
      this.bus.unfollow(articleId);
      const keys = this.keysByArticle.get(articleId);
      keys?.delete(key);
      if (keys?.size === 0) this.keysByArticle.delete(articleId);
    }
  }
}
