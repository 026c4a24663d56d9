import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { NotFoundError } from '../common/errors/domain-error';
import { cursorCodec, type Page, toPage } from '../common/pagination/cursor';
import { type ApiKeyRecord, SitesRepository } from './sites.repository';

const CURSOR = cursorCodec('instant', 'uuid');
/** `thk_<key id, 32 hex>_<secret, 43 base64url>` */
const KEY = /^thk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

/** What a valid API key is allowed to act for. */
export interface ApiKeyIdentity {
  keyId: string;
  siteId: string;
}

/**
 * A site's API keys for its CMS. A key is shown once; only a SHA-256 of its secret is kept,
 * found by the key's id and compared in constant time. Every request that presents a key
 * reads it from PostgreSQL, so a revoked key stops working at once on every instance.
 */
@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);

  constructor(private readonly sites: SitesRepository) {}

  static looksLikeKey(token: string): boolean {
    return token.startsWith('thk_');
  }

  async create(siteId: string, name: string): Promise<ApiKeyRecord & { key: string }> {
    if (!(await this.sites.findById(siteId))) throw new NotFoundError('site');
    const secret = randomBytes(32).toString('base64url');
    const record = await this.sites.insertKey(siteId, name, hash(secret));
    return { ...record, key: `thk_${record.id.replace(/-/g, '')}_${secret}` };
  }

  async list(siteId: string, limit: number, cursor?: string): Promise<Page<ApiKeyRecord>> {
    if (!(await this.sites.findById(siteId))) throw new NotFoundError('site');
    const after = cursor ? CURSOR.decode(cursor) : undefined;
    const keys = await this.sites.listKeys(
      siteId,
      limit + 1,
      after ? { createdAt: after[0], id: after[1] } : undefined,
    );
    return toPage(
      keys,
      limit,
      (key) => key,
      (key) => CURSOR.encode([key.createdAt.toISOString(), key.id]),
    );
  }

  async revoke(siteId: string, keyId: string): Promise<void> {
    if (!(await this.sites.revokeKey(siteId, keyId))) throw new NotFoundError('API key');
  }

  /** The key's identity, or null for a malformed, unknown or revoked key. */
  async authenticate(token: string): Promise<ApiKeyIdentity | null> {
    const match = KEY.exec(token);
    if (!match) return null;
    const keyId = match[1]!.replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
    const stored = await this.sites.liveKey(keyId);
    if (!stored) return null;
    const given = Buffer.from(hash(match[2]!), 'hex');
    if (!timingSafeEqual(given, Buffer.from(stored.secretHash, 'hex'))) return null;
    this.sites
      .touchKey(keyId)
      .catch((error: Error) => this.logger.warn(`lastUsedAt not updated: ${error.message}`));
    return { keyId, siteId: stored.siteId };
  }
}

function hash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
