import { Inject, Injectable } from '@nestjs/common';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';
import { SiteArticlesService } from '../../articles/site-articles.service';
import { DomainError } from '../../common/errors/domain-error';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { SiteRecord } from '../../sites/sites.repository';
import { SitesService } from '../../sites/sites.service';
import { type ArticlePage, ReaderPagesService } from '../reader-pages.service';
import type { FrameRequest } from './frame-request';

/** The category of the articles the embed creates: the site's name, as long as one may be. */
const MAX_CATEGORY = 64;

export type EmbedOutcome =
  | { kind: 'page'; site: SiteRecord; page: ArticlePage }
  | { kind: 'unknown-site' }
  | { kind: 'unknown-article'; site: SiteRecord }
  | { kind: 'rate-limited'; site: SiteRecord; retryAfterSeconds: number };

/**
 * What the embed's frame shows: the discussion of a site's article by its external id, created
 * on the first load when the site allows it (autoCreateArticles) and the page asking is on one
 * of the site's origins; those creations count against the `embed-create` rate limit.
 */
@Injectable()
export class EmbedPageService {
  constructor(
    private readonly sites: SitesService,
    private readonly siteArticles: SiteArticlesService,
    private readonly pages: ReaderPagesService,
    @InjectThrottlerStorage() private readonly limits: ThrottlerStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `from`: the requesting page's origin (Origin, else Referer); `ip`: for the rate limit. */
  async frame(
    siteId: string,
    externalId: string,
    request: FrameRequest,
    from: string | null,
    ip: string,
  ): Promise<EmbedOutcome> {
    const site = await this.sites.find(siteId);
    if (!site) return { kind: 'unknown-site' };
    let articleId = await this.articleId(siteId, externalId);
    if (!articleId) {
      const allowed = site.autoCreateArticles && from !== null && site.origins.includes(from);
      if (!allowed || !request.title) return { kind: 'unknown-article', site };
      const wait = await this.creationWait(ip);
      if (wait > 0) return { kind: 'rate-limited', site, retryAfterSeconds: wait };
      const { article } = await this.siteArticles.upsert(siteId, externalId, {
        title: request.title,
        category: site.name.slice(0, MAX_CATEGORY),
        ...(request.url ? { url: request.url } : {}),
      });
      articleId = article.id;
    }
    return { kind: 'page', site, page: await this.pages.articlePage(articleId) };
  }

  private async articleId(siteId: string, externalId: string): Promise<string | null> {
    try {
      return (await this.siteArticles.get(siteId, externalId)).id;
    } catch (error) {
      if (error instanceof DomainError && error.code === 'not_found') return null;
      throw error;
    }
  }

  /** Seconds until this client may create another article; 0 now. */
  private async creationWait(ip: string): Promise<number> {
    if (!this.config.rateLimits) return 0;
    const rule = this.config.rateLimitRules['embed-create'];
    const record = await this.limits.increment(
      `townhall:rl:embed-create:ip:${ip}`,
      rule.ttlMs,
      rule.limit,
      rule.ttlMs,
      'embed-create',
    );
    return record.isBlocked ? Math.max(1, Math.ceil(record.timeToBlockExpire)) : 0;
  }
}
