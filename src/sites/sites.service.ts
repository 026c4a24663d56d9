import { randomBytes } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { BadRequestError, NotFoundError } from '../common/errors/domain-error';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { outboundUrlProblem } from '../common/net/outbound-url';
import { cursorCodec, type Page, toPage } from '../common/pagination/cursor';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { CreateSiteDto, UpdateSiteDto } from './dto/site.dto';
import { Site } from './site.entity';
import './site.events';
import { type SiteRecord, SitesRepository, type SsoKeys } from './sites.repository';

const CURSOR = cursorCodec('instant', 'uuid');

/** Sites (admin): name, origins, auto-created articles, SSO keys, moderation settings. */
@Injectable()
export class SitesService {
  constructor(
    private readonly sites: SitesRepository,
    private readonly em: EntityManager,
    private readonly events: DomainEventBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The new site and its SSO secret, shown only now. */
  async create(input: CreateSiteDto): Promise<{ site: SiteRecord; ssoSecret: string }> {
    this.checkJwksUrl(input.ssoJwksUrl);
    const ssoSecret = newSecret();
    const site = new Site(input.name, unique(input.origins), ssoSecret);
    site.autoCreateArticles = input.autoCreateArticles ?? false;
    site.ssoJwksUrl = input.ssoJwksUrl ?? null;
    site.moderation = input.moderation ? { ...input.moderation } : null;
    const record = await this.sites.save(site);
    this.changed(record.id);
    return { site: record, ssoSecret };
  }

  async list(limit: number, cursor?: string): Promise<Page<SiteRecord>> {
    const after = cursor ? CURSOR.decode(cursor) : undefined;
    const sites = await this.sites.list(
      limit + 1,
      after ? { createdAt: after[0], id: after[1] } : undefined,
    );
    return toPage(
      sites,
      limit,
      (site) => site,
      (site) => CURSOR.encode([site.createdAt.toISOString(), site.id]),
    );
  }

  async get(id: string): Promise<SiteRecord> {
    const site = await this.sites.findById(id);
    if (!site) throw new NotFoundError('site');
    return site;
  }

  /** The site, or null: for the other features (embed, SSO, articles). */
  find(id: string): Promise<SiteRecord | null> {
    return this.sites.findById(id);
  }

  async update(id: string, input: UpdateSiteDto): Promise<SiteRecord> {
    this.checkJwksUrl(input.ssoJwksUrl);
    const record = await this.em.transactional(async () => {
      const site = await this.sites.lock(id);
      if (!site) throw new NotFoundError('site');
      if (input.name !== undefined) site.name = input.name;
      if (input.origins !== undefined) site.origins = unique(input.origins);
      if (input.autoCreateArticles !== undefined)
        site.autoCreateArticles = input.autoCreateArticles;
      if (input.ssoJwksUrl !== undefined) site.ssoJwksUrl = input.ssoJwksUrl;
      if (input.moderation !== undefined) {
        site.moderation = input.moderation ? { ...input.moderation } : null;
      }
      return this.sites.save(site);
    });
    this.changed(id);
    return record;
  }

  /** A new SSO secret; the previous one stops working at once. */
  async rotateSsoSecret(id: string): Promise<string> {
    const ssoSecret = newSecret();
    await this.em.transactional(async () => {
      const site = await this.sites.lock(id);
      if (!site) throw new NotFoundError('site');
      site.ssoSecret = ssoSecret;
      await this.sites.save(site);
    });
    this.changed(id);
    return ssoSecret;
  }

  /** How this site's SSO tokens are verified; null for an unknown site. */
  ssoKeys(siteId: string): Promise<SsoKeys | null> {
    return this.sites.ssoKeys(siteId);
  }

  private checkJwksUrl(url: string | null | undefined): void {
    if (url === undefined || url === null) return;
    const problem = outboundUrlProblem(url, this.config.allowPrivateUrls);
    if (problem) throw new BadRequestError(`ssoJwksUrl ${problem}`);
  }

  private changed(siteId: string): void {
    this.events.publish('site.changed', { siteId });
  }
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

function unique(origins: string[]): string[] {
  return [...new Set(origins)];
}
