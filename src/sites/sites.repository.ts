import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { ModerationSettings } from './moderation-settings';
import { SiteApiKey } from './site-api-key.entity';
import { Site } from './site.entity';

/** A site as the rest of the server sees it (never its secret). */
export interface SiteRecord {
  id: string;
  name: string;
  origins: string[];
  autoCreateArticles: boolean;
  ssoJwksUrl: string | null;
  moderation: ModerationSettings | null;
  createdAt: Date;
}

/** How a site's SSO tokens are verified. */
export interface SsoKeys {
  secret: string;
  jwksUrl: string | null;
}

export interface ApiKeyRecord {
  id: string;
  siteId: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

type After = { createdAt: string; id: string };

/** Sites and their API keys. */
@Injectable()
export class SitesRepository {
  constructor(private readonly em: EntityManager) {}

  async findById(id: string): Promise<SiteRecord | null> {
    const site = await this.em.findOne(Site, { id });
    return site ? recordOf(site) : null;
  }

  /** For writes: the entity, row-locked until the transaction ends. */
  lock(id: string): Promise<Site | null> {
    return this.em.findOne(Site, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  }

  async save(site: Site): Promise<SiteRecord> {
    await this.em.persistAndFlush(site);
    return recordOf(site);
  }

  async list(limit: number, after?: After): Promise<SiteRecord[]> {
    const sites = await this.em.find(Site, keyset(after), {
      orderBy: { createdAt: 'desc', id: 'desc' },
      limit,
    });
    return sites.map(recordOf);
  }

  async ssoKeys(siteId: string): Promise<SsoKeys | null> {
    const rows = await this.em.execute<{ sso_secret: string; sso_jwks_url: string | null }[]>(
      'SELECT sso_secret, sso_jwks_url FROM sites WHERE id = ?',
      [siteId],
    );
    return rows[0] ? { secret: rows[0].sso_secret, jwksUrl: rows[0].sso_jwks_url } : null;
  }

  /** Every site's origins (one query): what the allowed-origins cache holds. */
  allOrigins(): Promise<{ id: string; origins: string[] }[]> {
    return this.em.execute<{ id: string; origins: string[] }[]>('SELECT id, origins FROM sites');
  }

  async insertKey(siteId: string, name: string, secretHash: string): Promise<ApiKeyRecord> {
    const key = new SiteApiKey(this.em.getReference(Site, siteId), name, secretHash);
    await this.em.persistAndFlush(key);
    return keyRecordOf(key, siteId);
  }

  async listKeys(siteId: string, limit: number, after?: After): Promise<ApiKeyRecord[]> {
    const keys = await this.em.find(
      SiteApiKey,
      { site: siteId, revokedAt: null, ...keyset(after) },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit },
    );
    return keys.map((key) => keyRecordOf(key, siteId));
  }

  /** Revokes a live key of the site; false when it has none such. */
  async revokeKey(siteId: string, keyId: string): Promise<boolean> {
    const rows = await this.em.execute<unknown[]>(
      `UPDATE site_api_keys SET revoked_at = now()
        WHERE id = ? AND site_id = ? AND revoked_at IS NULL RETURNING 1`,
      [keyId, siteId],
    );
    return rows.length > 0;
  }

  /** A live key's site and secret hash (read on every request that presents the key). */
  async liveKey(keyId: string): Promise<{ siteId: string; secretHash: string } | null> {
    const rows = await this.em
      .getContext(false)
      .execute<{ site_id: string; secret_hash: string }[]>(
        'SELECT site_id, secret_hash FROM site_api_keys WHERE id = ? AND revoked_at IS NULL',
        [keyId],
      );
    return rows[0] ? { siteId: rows[0].site_id, secretHash: rows[0].secret_hash } : null;
  }

  /** At most once a minute per key, so a busy CMS does not write on every request. */
  async touchKey(keyId: string): Promise<void> {
    await this.em.getContext(false).execute(
      `UPDATE site_api_keys SET last_used_at = now()
          WHERE id = ? AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [keyId],
    );
  }
}

function keyset(after?: After): object {
  if (!after) return {};
  const at = new Date(after.createdAt);
  return { $or: [{ createdAt: { $lt: at } }, { createdAt: at, id: { $lt: after.id } }] };
}

function recordOf(site: Site): SiteRecord {
  return {
    id: site.id,
    name: site.name,
    origins: site.origins,
    autoCreateArticles: site.autoCreateArticles,
    ssoJwksUrl: site.ssoJwksUrl,
    moderation: site.moderation,
    createdAt: site.createdAt,
  };
}

function keyRecordOf(key: SiteApiKey, siteId: string): ApiKeyRecord {
  return {
    id: key.id,
    siteId,
    name: key.name,
    createdAt: key.createdAt,
    lastUsedAt: key.lastUsedAt,
  };
}
