import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';

/** What scripts/build-web.mjs writes beside the bundles: logical name → hashed file name. */
type Manifest = Record<string, string>;

/**
 * The reader page's static files (bundled browser script and stylesheet), built into
 * `dist/web/` by `npm run build`. Their names carry a content hash, so they can be cached
 * for a year; the pages link the current names.
 */
@Injectable()
export class WebAssets {
  private readonly logger = new Logger(WebAssets.name);
  readonly directory = findAssetDirectory();
  private readonly manifest: Manifest = this.readManifest();
  private readonly files = new Set(Object.values(this.manifest));

  /** `/assets/<hashed name>` of a logical asset (`article.js`, `townhall.css`), if built. */
  url(name: string): string | undefined {
    const file = this.manifest[name];
    return file ? `/assets/${file}` : undefined;
  }

  /** The hashed file name of a logical asset, if built. */
  file(name: string): string | undefined {
    return this.manifest[name];
  }

  /** The absolute path of a served file, or undefined for anything not in the manifest. */
  path(file: string): string | undefined {
    return this.files.has(file) ? join(this.directory, file) : undefined;
  }

  private readManifest(): Manifest {
    try {
      return JSON.parse(readFileSync(join(this.directory, 'manifest.json'), 'utf8')) as Manifest;
    } catch {
      // pages still render and read without their script and style; say how to get them
      this.logger.warn(`no web assets in ${this.directory}: run "npm run build"`);
      return {};
    }
  }
}

/** dist/web, from the compiled server (dist/src/web) or from the sources (src/web, in tests). */
function findAssetDirectory(): string {
  const candidates = [resolve(__dirname, '../../web'), resolve(__dirname, '../../dist/web')];
  return candidates.find((dir) => existsSync(join(dir, 'manifest.json'))) ?? candidates[0]!;
}
