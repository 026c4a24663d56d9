/**
 * The suite's own entry (test/support/global-setup.ts), run as a newcomer runs it: a nested
 * `jest` on one small spec, with a prerequisite missing or the services to be started.
 */
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { resolve } from 'node:path';

jest.setTimeout(120_000);

// the nested run must never run this file again (it would recurse)
if (process.env.TOWNHALL_NESTED_JEST === '1') throw new Error('test-setup spec inside its own run');

const ROOT = resolve(__dirname, '..');
const JEST = resolve(ROOT, 'node_modules/jest/bin/jest.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function runJest(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolveRun) => {
    execFile(
      process.execPath,
      // --runTestsByPath: the arguments are exact files, not patterns
      [JEST, '--selectProjects=integration', '--runTestsByPath', ...args],
      { cwd: ROOT, env: { ...process.env, ...env, TOWNHALL_NESTED_JEST: '1' }, timeout: 100_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolveRun({ code, stdout, stderr });
      },
    );
  });
}

describe('the integration run', () => {
  it('stops at once, in one line naming what to install, when Chromium is missing', async () => {
    const run = await runJest({ CHROMIUM_PATH: '/nonexistent/chromium' }, 'test/smoke.e2e-spec.ts');
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      'The integration specs need chromium (at /nonexistent/chromium): apt-get install -y chromium',
    );
  });

  it('stops in one line when TEST_DATABASE_URL does not answer', async () => {
    const run = await runJest(
      { TEST_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres' },
      'test/smoke.e2e-spec.ts',
    );
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(
      /^TEST_DATABASE_URL \(postgres:\/\/postgres@127\.0\.0\.1:1\/postgres\) does not answer: .*ECONNREFUSED.*$/,
    );
  });

  it('with TEST_SERVICES=start, runs on a PostgreSQL and a Redis of its own and stops them', async () => {
    const run = await runJest(
      { TEST_SERVICES: 'start', TEST_DATABASE_URL: '', TEST_REDIS_URL: '' },
      'test/smoke.e2e-spec.ts',
    );
    const used =
      /tests use PostgreSQL at 127\.0\.0\.1:(\d+) \(started for this run\) and Redis at 127\.0\.0\.1:(\d+) \(started for this run\)/.exec(
        run.stderr,
      );
    expect({ code: run.code, used: used !== null }).toEqual({ code: 0, used: true });
    expect(run.stdout).toContain('Summary: 2 passed, 0 failed');
    // both are gone: nothing answers on their ports any more
    for (const port of [used![1], used![2]]) {
      const refused = await new Promise<boolean>((resolveProbe) => {
        const socket = connect({ host: '127.0.0.1', port: Number(port) });
        socket.once('connect', () => {
          socket.destroy();
          resolveProbe(false);
        });
        socket.once('error', () => resolveProbe(true));
      });
      expect(refused).toBe(true);
    }
  });
});
