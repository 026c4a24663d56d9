// Bundles the browser scripts and stylesheets into dist/web/ with content-hashed names, and
// writes dist/web/manifest.json (logical name → file) for the server to link them. Part of
// `npm run build`, after `nest build`. Bundles: the reader page (article.js, with
// socket.io-client), the embed's frame (frame.js), the publishers' scripts (embed.js and
// count.js, small and framework-free; the server serves them at /embed.js and /count.js) and
// count.js's live part (count-live.js, an ES module it imports once the badges are filled).
// Prints each script's gzipped size; embed.js must stay under EMBED_MAX_GZIP bytes.
import { readFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { exit, stdout } from 'node:process';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export const EMBED_MAX_GZIP = 5 * 1024;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/web');

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

const common = {
  absWorkingDir: root,
  outdir,
  entryNames: '[name]-[hash]',
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  metafile: true,
  logLevel: 'warning',
};

const results = await Promise.all([
  build({
    ...common,
    format: 'iife',
    entryPoints: {
      article: 'src/web/client/article.ts',
      frame: 'src/web/client/embed/frame.ts',
      embed: 'src/web/client/embed/embed.ts',
      count: 'src/web/client/embed/count.ts',
      townhall: 'src/web/assets/townhall.css',
      'embed-style': 'src/web/assets/embed.css',
    },
  }),
  build({
    ...common,
    format: 'esm',
    entryPoints: { 'count-live': 'src/web/client/embed/count-live.ts' },
  }),
]);

const LOGICAL = { 'embed-style': 'embed.css' };
const manifest = {};
for (const result of results) {
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    // entries under their logical names (article.js, embed.css); source maps as they are
    const hashed = basename(file);
    const entry = hashed.replace(/-[A-Z0-9]+(\.(js|css))$/, '$1');
    const name = output.entryPoint ? (LOGICAL[entry.replace(/\.css$/, '')] ?? entry) : hashed;
    manifest[name] = hashed;
  }
}
await writeFile(join(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
stdout.write(`web assets: ${Object.values(manifest).join(', ')}\n`);

const sizes = [];
for (const name of ['embed.js', 'count.js', 'count-live.js', 'frame.js', 'article.js']) {
  const code = await readFile(join(outdir, manifest[name]));
  sizes.push({ name, bytes: code.length, gzip: gzipSync(code, { level: 9 }).length });
}
stdout.write(
  `script sizes (gzipped): ${sizes.map((s) => `${s.name} ${(s.gzip / 1024).toFixed(1)} KB`).join(', ')}\n`,
);
await writeFile(join(outdir, 'sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
const embed = sizes.find((s) => s.name === 'embed.js');
if (embed.gzip > EMBED_MAX_GZIP) {
  stdout.write(`embed.js is ${embed.gzip} bytes gzipped: over the ${EMBED_MAX_GZIP}-byte limit\n`);
  exit(1);
}
