import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** What `npm run build` compiles into dist/ (unit specs are not part of it). */
const SOURCES = ['src', 'migrations', 'scripts/build-web.mjs'];

function newest(path: string): { path: string; mtimeMs: number } | null {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (!stats) return null;
  if (!stats.isDirectory())
    return path.endsWith('.spec.ts') ? null : { path, mtimeMs: stats.mtimeMs };
  let best: { path: string; mtimeMs: number } | null = null;
  // dot files (the migrations' .snapshot-*.json, which a migration run rewrites) are not built
  for (const entry of readdirSync(path).filter((name) => !name.startsWith('.'))) {
    const found = newest(join(path, entry));
    if (found && (!best || found.mtimeMs > best.mtimeMs)) best = found;
  }
  return best;
}

/**
 * Why `root/dist` does not match the sources (a file changed after the last build, or no
 * build at all), or null when it is current. The build empties dist/ first (deleteOutDir),
 * so dist/src/main.js is as old as the build.
 */
export function staleDistReason(root: string): string | null {
  const built = statSync(join(root, 'dist/src/main.js'), { throwIfNoEntry: false });
  if (!built) return 'there is no dist/src/main.js';
  for (const source of SOURCES) {
    const found = newest(join(root, source));
    if (found && found.mtimeMs > built.mtimeMs) {
      return `${relative(root, found.path)} changed after the last build`;
    }
  }
  return null;
}
