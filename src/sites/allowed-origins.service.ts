import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { OnDomainEvent } from '../common/events/on-domain-event.decorator';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { SitesRepository } from './sites.repository';

/** A safety net for a change whose `site.changed` was lost (Redis down). */
const RELOAD_INTERVAL_MS = 30_000;

/**
 * The origins that may call the API, open sockets and frame the embed: CORS_ORIGINS, the
 * server's own PUBLIC_URL, and every site's origins. Kept in memory on every instance and
 * reloaded (one query) whenever a site changes anywhere (`site.changed` through the relay), so
 * a change takes effect everywhere within moments, without a restart.
 */
@Injectable()
export class AllowedOrigins implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AllowedOrigins.name);
  private all = new Set<string>();
  private bySite = new Map<string, string[]>();
  private timer: NodeJS.Timeout | null = null;
  private reloading: Promise<void> | null = null;
  private again = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sites: SitesRepository,
    private readonly orm: MikroORM,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => void this.reload(), RELOAD_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** For CORS and the socket handshake (requests without an Origin are not asked about). */
  isAllowed(origin: string): boolean {
    const configured = this.config.corsOrigins;
    return (
      configured === '*' ||
      configured.includes(origin) ||
      origin === this.config.publicUrl ||
      this.all.has(origin)
    );
  }

  /** One site's origins: who may frame its embed (`frame-ancestors`). */
  originsOf(siteId: string): string[] {
    return this.bySite.get(siteId) ?? [];
  }

  @OnDomainEvent('site.changed')
  onSiteChanged(): Promise<void> {
    return this.reload();
  }

  /** One reload at a time; a change during a reload triggers one more after it. */
  reload(): Promise<void> {
    if (this.reloading) {
      this.again = true;
      return this.reloading;
    }
    this.reloading = this.load()
      .catch((error: Error) => this.logger.warn(`site origins not reloaded: ${error.message}`))
      .finally(() => {
        this.reloading = null;
        if (this.again) {
          this.again = false;
          void this.reload();
        }
      });
    return this.reloading;
  }

  private async load(): Promise<void> {
    const rows = await RequestContext.create(this.orm.em, () => this.sites.allOrigins());
    this.bySite = new Map(rows.map((row) => [row.id, row.origins]));
    this.all = new Set(rows.flatMap((row) => row.origins));
  }
}
