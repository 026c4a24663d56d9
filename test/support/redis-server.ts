import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { freePort } from '../../src/database/process-utils';

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/** A `redis-server` owned by one test file: its own port, no persistence. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` (the same across restarts). */
  readonly url: string;
  readonly port: number;
  /** The pid of the current process, or null while stopped. */
  readonly pid: number | null;
  /** Whether a process is currently running. */
  readonly running: boolean;
  /** Starts the process (if stopped) and resolves once it answers PING. */
  start(): Promise<void>;
  /** SIGTERM, then waits for the exit (SIGKILL after a few seconds). */
  stop(): Promise<void>;
  /** stop() then start() on the same port. */
  restart(): Promise<void>;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>;
  /** Everything the processes wrote so far. */
  output(): string;
}

/** Every redis-server spawned here that may still run: `killAllRedisServers()` ends them. */
const running = new Set<ChildProcess>();

/** `redis-server` from PATH, else the Debian location; null when neither exists. */
export function findRedisServer(): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/bin']) {
    if (dir && existsSync(`${dir}/redis-server`)) return `${dir}/redis-server`;
  }
  return null;
}

function redisBinary(): string {
  return findRedisServer() ?? 'redis-server';
}

/** Resolves true when something on `port` answers `PING` with `+PONG`. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolvePing) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolvePing(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('utf8');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolveExit) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolveExit();
    child.once('close', () => resolveExit());
  });
}

const delay = (ms: number): Promise<void> =>
  new Promise((resolveDelay) => setTimeout(resolveDelay, ms));

/** Creates (and starts) a redis-server on a free port. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  let log = '';

  const spawnOnce = (): ChildProcess => {
    const proc = spawn(
      redisBinary(),
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    running.add(proc);
    proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    proc.once('close', () => running.delete(proc));
    proc.once('error', (error) => {
      running.delete(proc);
      log += `\n[spawn error] ${String(error)}`;
    });
    return proc;
  };

  const isRunning = (): boolean =>
    child !== null && child.exitCode === null && child.signalCode === null;

  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc) return;
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited(proc);
    clearTimeout(timer);
    child = null;
  };

  const start = async (): Promise<void> => {
    if (isRunning()) return;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    // the port may be briefly unavailable right after a stop: try again until the deadline
    while (Date.now() < deadline) {
      const proc = spawnOnce();
      child = proc;
      while (Date.now() < deadline && proc.exitCode === null && proc.signalCode === null) {
        if (await ping(port)) return;
        await delay(50);
      }
      if (proc.exitCode === null && proc.signalCode === null) break;
      await delay(200);
    }
    await end('SIGKILL');
    throw new Error(
      `redis-server on port ${port} not ready within ${READY_TIMEOUT_MS} ms:\n${log}`,
    );
  };

  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return isRunning() ? (child?.pid ?? null) : null;
    },
    get running() {
      return isRunning();
    },
    start,
    stop: () => end('SIGTERM'),
    restart: async () => {
      await end('SIGTERM');
      await start();
    },
    kill: () => end('SIGKILL'),
    output: () => log,
  };
  await start();
  return server;
}

/** SIGKILLs every redis-server spawned here that is still running (for afterAll). */
export async function killAllRedisServers(): Promise<void> {
  const children = [...running];
  await Promise.all(
    children.map((child) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited(child);
    }),
  );
}
