import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { WebAssets } from '../web-assets.service';

export interface PublisherScript {
  body: string;
  etag: string;
}

/**
 * embed.js and count.js, the scripts publishers include by a fixed address: the built bundles
 * with PUBLIC_URL (and count.js's live module's hashed address) written in, read once.
 */
@Injectable()
export class EmbedScripts {
  private readonly logger = new Logger(EmbedScripts.name);
  private readonly scripts = new Map<string, PublisherScript | null>();

  constructor(
    private readonly assets: WebAssets,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `embed.js` or `count.js`; undefined when not built. */
  get(name: 'embed.js' | 'count.js'): PublisherScript | undefined {
    if (!this.scripts.has(name)) this.scripts.set(name, this.load(name));
    return this.scripts.get(name) ?? undefined;
  }

  private load(name: string): PublisherScript | null {
    const path = this.assets.path(this.assets.file(name) ?? '');
    if (!path) {
      this.logger.warn(`${name} is not built: run "npm run build"`);
      return null;
    }
    const live = this.assets.url('count-live.js');
    const body = readFileSync(path, 'utf8')
      .replaceAll('%%TOWNHALL_ORIGIN%%', this.config.publicUrl)
      .replaceAll('%%TOWNHALL_COUNT_LIVE%%', live ? `${this.config.publicUrl}${live}` : '%%')
      // the source map sits beside the hashed bundle under /assets/
      .replace('//# sourceMappingURL=', `//# sourceMappingURL=${this.config.publicUrl}/assets/`);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    return { body, etag };
  }
}
