import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UNHANDLED_REJECTION_LOG } from '../../src/common/process/unhandled-rejections';
import { freePort, isAlive } from '../../src/database/process-utils';
import { staleDistReason } from './dist-freshness';
import { serverBugs } from './logged-bugs';

export { freePort };

/** The repository root: `dist/src/main.js` is started from here, as `npm run start:prod` does. */
const PROJECT_ROOT = resolve(__dirname, '../..');
const MAIN = 'dist/src/main.js';
const HEALTHY_TIMEOUT_MS = 40_000;

// a spec of the compiled server is only as good as the build: refuse an old one at once
const stale = staleDistReason(PROJECT_ROOT);
if (stale !== null) {
  throw new Error(
    `The process-level specs run dist/, which is out of date (${stale}): run \`npm run build\` first (npm test does).`,
  );
}
const STOP_TIMEOUT_MS = 20_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A compiled Townhall server running as a child process. */
export interface ServerProcess {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<Exit>;
  /** Everything written so far to stdout and stderr, interleaved as received. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Sends `signal` and resolves with the exit code (null when ended by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL, without waiting. */
  kill(): void;
}

/** Every process spawned here that may still be running: `killAllServers()` ends them. */
const running = new Set<ChildProcess>();

export interface SpawnOptions {
  /** Where `dist/src/main.js` is run from (a copy of the project); the repository by default. */
  projectRoot?: string;
  /** How long startServer waits for `GET /health` to answer 200. */
  timeoutMs?: number;
}

/**
 * Spawns `node dist/src/main.js` with only `env` (plus PATH, HOME, LOG_LEVEL=info, NO_COLOR
 * and a free PORT; `env` may override any of them) and returns at once, without waiting.
 */
export async function spawnServer(
  env: Record<string, string>,
  options: SpawnOptions = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: options.projectRoot ?? PROJECT_ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      LOG_LEVEL: 'info',
      NO_COLOR: '1',
      PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);

  let all = '';
  let out = '';
  let err = '';
  const watch = (chunk: string): void => {
    const at = chunk.indexOf(UNHANDLED_REJECTION_LOG);
    if (at >= 0) serverBugs.push(`server pid ${child.pid}: ${chunk.slice(at, at + 2_000)}`);
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    all += chunk;
    watch(chunk);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    all += chunk;
    watch(chunk);
  });

  const exited = new Promise<Exit>((resolveExit) => {
    // 'close' (not 'exit'): both pipes are drained, so output() is complete afterwards
    child.once('close', (code, signal) => {
      running.delete(child);
      resolveExit({ code, signal });
    });
    child.once('error', (error) => {
      running.delete(child);
      err += `\n[spawn error] ${String(error)}`;
      resolveExit({ code: null, signal: null });
    });
  });
  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid ?? -1,
    exited,
    output: () => all,
    stdout: () => out,
    stderr: () => err,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (!hasExited()) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolveTimeout) => {
        timer = setTimeout(() => resolveTimeout('timeout'), STOP_TIMEOUT_MS);
      });
      const result = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (result === 'timeout') {
        child.kill('SIGKILL');
        throw new Error(
          `server pid ${child.pid} did not exit within ${STOP_TIMEOUT_MS} ms of ${signal}:\n${all}`,
        );
      }
      return result.code;
    },
    kill: () => {
      if (!hasExited()) child.kill('SIGKILL');
    },
  };
}

/**
 * Spawns the server and resolves once `GET /health` answers 200. Rejects (after killing the
 * process) if it exits first or is not healthy within the timeout; the error carries its output.
 */
export async function startServer(
  env: Record<string, string>,
  options: SpawnOptions = {},
): Promise<ServerProcess> {
  const timeoutMs = options.timeoutMs ?? HEALTHY_TIMEOUT_MS;
  const server = await spawnServer(env, options);
  const state: { exit: Exit | null } = { exit: null };
  void server.exited.then((exit) => {
    state.exit = exit;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (state.exit !== null) {
      const { code, signal } = state.exit;
      throw new Error(
        `server exited before it was healthy (code ${code}, signal ${signal}):\n${server.output()}`,
      );
    }
    try {
      const response = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(1000) });
      if (response.status === 200) return server;
    } catch {
      // not listening yet
    }
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 100));
  }
  server.kill();
  await server.exited;
  throw new Error(`server not healthy within ${timeoutMs} ms:\n${server.output()}`);
}

/** SIGKILLs every server process still running and waits for them to go (for afterAll). */
export async function killAllServers(): Promise<void> {
  const children = [...running];
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolveGone) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolveGone();
          child.once('close', () => resolveGone());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/**
 * Stops a PostgreSQL that a killed server left running in `dataDir/postgres` (it is found by
 * the pid in its postmaster.pid, never by name). Returns the pid it stopped, or null.
 */
export async function stopLeftoverPostgres(dataDir: string): Promise<number | null> {
  const pidFile = await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').catch(
    () => '',
  );
  const pid = Number.parseInt(pidFile.split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || !isAlive(pid)) return null;
  process.kill(pid, 'SIGINT');
  for (let waited = 0; isAlive(pid) && waited < 15_000; waited += 100) {
    if (waited === 10_000) process.kill(pid, 'SIGKILL');
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 100));
  }
  return pid;
}
