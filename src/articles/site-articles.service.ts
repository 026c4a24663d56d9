import { createHash, randomBytes } from 'node:crypto';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/errors/domain-error';
import { SitesService } from '../sites/sites.service';
import type { ArticleView } from './articles.repository';
import { ArticlesService } from './articles.service';
import { CountsCache } from './counts-cache';
import {
  type ArticleCounts,
  type ExternalArticleInput,
  ExternalArticlesRepository,
} from './external-articles.repository';
import { slugify, withSuffix } from './slug';

/**
 * Articles that a publisher's site manages by its own id (its CMS, or the embed's
 * autoCreateArticles): upsert, read, delete, and the comment counts of its front pages.
 */
@Injectable()
export class SiteArticlesService {
  constructor(
    private readonly external: ExternalArticlesRepository,
    private readonly articles: ArticlesService,
    private readonly sites: SitesService,
    private readonly em: EntityManager,
    private readonly cache: CountsCache,
  ) {}

  /** One article per (site, externalId), however many upserts of it run at once. */
  async upsert(
    siteId: string,
    externalId: string,
    input: ExternalArticleInput,
  ): Promise<{ article: ArticleView; created: boolean }> {
    if (!(await this.sites.find(siteId))) throw new NotFoundError('site');
    // the reader page's address: from the title, with a suffix of the publisher's id
    const base = slugify(input.title);
    const stable = createHash('sha256').update(`${siteId}:${externalId}`).digest('hex');
    for (const suffix of [stable.slice(0, 8), randomBytes(4).toString('hex')]) {
      try {
        const { id, created } = await this.em.transactional(() =>
          this.external.upsert(siteId, externalId, withSuffix(base, suffix), input),
        );
        if (created) this.cache.dropSite(siteId);
        return { article: await this.articles.get(id), created };
      } catch (error) {
        // another article already has this slug (not this one: that would be an update)
        if (!(error instanceof UniqueConstraintViolationException)) throw error;
      }
    }
    throw new Error('no free slug for the article');
  }

  async get(siteId: string, externalId: string): Promise<ArticleView> {
    const article = await this.articles.findByExternalId(siteId, externalId);
    if (!article) throw new NotFoundError('article');
    return article;
  }

  async delete(siteId: string, externalId: string): Promise<void> {
    if (!(await this.external.delete(siteId, externalId))) throw new NotFoundError('article');
    this.cache.dropSite(siteId);
  }

  /** Counts of the site's articles among `externalIds`; unknown ids are left out. */
  /** The counts answer as JSON text, for the HTTP route (see ExternalArticlesRepository, CountsCache). */
  async countsJson(siteId: string, externalIds: string[]): Promise<string> {
    return this.cache.get(siteId, externalIds, async () => {
      const read = await this.external.countsJson(siteId, externalIds);
      if (read === null) throw new NotFoundError('site');
      return read;
    });
  }

  async counts(siteId: string, externalIds: string[]): Promise<Map<string, ArticleCounts>> {
    const counts = await this.external.counts(siteId, externalIds);
    if (!counts) throw new NotFoundError('site');
    return counts;
  }
}
