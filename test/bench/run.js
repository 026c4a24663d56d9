/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS runner */
// Runs a TypeScript script without a build: `node test/bench/run.js <file.ts> [args...]`.
// Every .ts file required from there on is transpiled in memory by @swc/core (types are
// stripped, not checked: `npm run typecheck` does that).
const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');
const { transformSync } = require('@swc/core');

const [, , script, ...args] = process.argv;
if (!script) {
  process.stderr.write('usage: node test/bench/run.js <file.ts> [args...]\n');
  process.exit(2);
}

const Module = require('node:module');
Module._extensions['.ts'] = (mod, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    module: { type: 'commonjs' },
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
  });
  mod._compile(code, filename);
};

process.setSourceMapsEnabled(true);
const entry = resolve(script);
// the script sees its own arguments as if it had been started directly
process.argv = [process.argv[0], entry, ...args];
require(entry);
