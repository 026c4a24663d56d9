import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { Site } from './site.entity';

/**
 * An API key of a site (for its CMS). The key is `thk_<id>_<secret>`; only a SHA-256 of the
 * secret is kept, and it is compared in constant time after the key is found by its id.
 */
@Entity({ tableName: 'site_api_keys' })
@Index({ properties: ['site', 'createdAt'] })
export class SiteApiKey {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Site, { deleteRule: 'cascade' })
  site: Site;

  @Property({ type: 'string', length: 100 })
  name: string;

  @Property({ type: 'string', length: 64, hidden: true })
  secretHash: string;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', nullable: true })
  lastUsedAt: Opt<Date> | null = null;

  @Property({ type: 'datetime', nullable: true })
  revokedAt: Opt<Date> | null = null;

  constructor(site: Site, name: string, secretHash: string) {
    this.site = site;
    this.name = name;
    this.secretHash = secretHash;
  }
}
