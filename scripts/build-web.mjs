// Bundles the reader page's browser script (with socket.io-client) and stylesheet into
// dist/web/ with content-hashed names, and writes dist/web/manifest.json (logical name →
// file) for the server to link them. Part of `npm run build`, after `nest build`.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { stdout } from 'node:process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/web');

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: {
    article: 'src/web/client/article.ts',
    townhall: 'src/web/assets/townhall.css',
  },
  outdir,
  entryNames: '[name]-[hash]',
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'iife',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  metafile: true,
  logLevel: 'warning',
});

const manifest = {};
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  // entries under their logical names (article.js, townhall.css); source maps as they are
  const name = output.entryPoint
    ? basename(output.entryPoint).replace(/\.ts$/, '.js')
    : basename(file);
  manifest[name] = basename(file);
}
await writeFile(join(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
stdout.write(`web assets: ${Object.values(manifest).join(', ')}\n`);
