import { randomUUID } from 'node:crypto';
import { ArrayType, Entity, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import type { ModerationSettings } from './moderation-settings';

/**
 * A publisher's web site that embeds Townhall. Its SSO secret must be readable to verify the
 * site's HS256 tokens, so it is stored as it is (never returned after it was shown once).
 */
@Entity({ tableName: 'sites' })
export class Site {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 100 })
  name: string;

  /** Exact web origins (scheme, host, optional port) allowed to embed and call the API. */
  @Property({ type: ArrayType, columnType: 'text[]' })
  origins: string[];

  @Property({ type: 'boolean', default: false })
  autoCreateArticles: Opt<boolean> = false;

  @Property({ type: 'text', nullable: true })
  ssoJwksUrl: Opt<string> | null = null;

  /** null: the default settings apply. */
  @Property({ type: 'json', nullable: true })
  moderation: Opt<ModerationSettings> | null = null;

  @Property({ type: 'string', length: 100, hidden: true })
  ssoSecret: string;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Opt<Date> = new Date();

  constructor(name: string, origins: string[], ssoSecret: string) {
    this.name = name;
    this.origins = origins;
    this.ssoSecret = ssoSecret;
  }
}
