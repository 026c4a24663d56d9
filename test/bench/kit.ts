/**
 * What every bench scenario shares: cleanup that also runs on Ctrl-C, HTTP calls to the server
 * under test, accounts with real tokens, and a compiled server started for the run.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer, type ServerProcess } from '../support/server-process';
import { createTestDatabase, type TestDatabase, TEST_REDIS_URL } from '../support/test-database';

export const RESULTS_DIR = resolve(__dirname, '../../bench-results');
export const ADMIN = { username: 'bench_admin', password: 'bench-admin-password-1' };
export const JWT_SECRET = 'townhall-bench-secret-that-is-longer-than-32-characters';
export const HTTP_TIMEOUT_MS = 15_000;
export const CLEANUP_STEP_TIMEOUT_MS = 25_000;
const REGISTER_BATCH = 10;

// ---------------------------------------------------------------------------------------------
// cleanup, also on Ctrl-C and errors: steps run last-registered first

const cleanups: { name: string; run: () => Promise<void> }[] = [];

export function onCleanup(name: string, run: () => Promise<void>): void {
  cleanups.push({ name, run });
}

/** Runs (and forgets) every registered step; a failing step is reported, the rest still run. */
export async function cleanup(): Promise<void> {
  for (const step of cleanups.splice(0).reverse()) {
    try {
      await withTimeout(step.run(), CLEANUP_STEP_TIMEOUT_MS, `cleanup: ${step.name}`);
    } catch (error) {
      console.error(`cleanup "${step.name}" failed: ${(error as Error).message}`);
    }
  }
}

export function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (milliseconds: number): Promise<void> =>
  new Promise((done) => setTimeout(done, Math.max(0, milliseconds)));

// ---------------------------------------------------------------------------------------------
// HTTP

export class HttpError extends Error {}

/** One JSON request; anything but the `expect`ed status is an HttpError. */
export async function api<T>(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; expect: number },
): Promise<T> {
  const response = await fetch(new URL(path, base), {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  const text = await response.text();
  if (response.status !== options.expect) {
    throw new HttpError(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

export interface Account {
  username: string;
  token: string;
  /** the user's id */
  id: string;
  /** to renew `token`, which lives 15 minutes (see `refreshAccount`) */
  refreshToken: string;
}

interface AuthAnswer {
  user: { id: string };
  accessToken: string;
  refreshToken: string;
}

export async function login(base: string, username: string, password: string): Promise<Account> {
  const body = await api<AuthAnswer>(base, 'POST', '/api/auth/login', {
    body: { username, password },
    expect: 200,
  });
  return { username, token: body.accessToken, id: body.user.id, refreshToken: body.refreshToken };
}

/** Renews the account's tokens in place, as a client does before its access token expires. */
export async function refreshAccount(base: string, account: Account): Promise<void> {
  const body = await api<Omit<AuthAnswer, 'user'>>(base, 'POST', '/api/auth/refresh', {
    body: { refreshToken: account.refreshToken },
    expect: 200,
  });
  account.token = body.accessToken;
  account.refreshToken = body.refreshToken;
}

/** `count` new accounts (registered ten at a time), each with its access token. */
export async function registerUsers(base: string, count: number): Promise<Account[]> {
  const prefix = `bench_${randomBytes(4).toString('hex')}`;
  const accounts: Account[] = [];
  for (let start = 0; start < count; start += REGISTER_BATCH) {
    const batch = Array.from({ length: Math.min(REGISTER_BATCH, count - start) }, (_, k) => {
      const username = `${prefix}_${start + k}`;
      return api<AuthAnswer>(base, 'POST', '/api/auth/register', {
        body: { username, password: 'bench-password-1' },
        expect: 201,
      }).then((body) => ({
        username,
        token: body.accessToken,
        id: body.user.id,
        refreshToken: body.refreshToken,
      }));
    });
    accounts.push(...(await Promise.all(batch)));
  }
  return accounts;
}

/**
 * HTTP/1.1 over at most `connections` kept-alive sockets, for load: node:http with
 * nothing on top (no fetch/undici layers, no JSON parsing unless the caller wants it), since the
 * load generator shares this machine's two cores with the server under test.
 */
export class KeepAliveClient {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(base: string, connections: number) {
    const url = new URL(base);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: connections,
      maxFreeSockets: connections,
    });
  }

  /** Status and body text; rejects on a network error or after `HTTP_TIMEOUT_MS`. */
  request(
    method: string,
    path: string,
    token?: string,
    body?: string,
  ): Promise<{ status: number; body: string }> {
    return new Promise((done, fail) => {
      const headers: Record<string, string | number> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const req = httpRequest(
        { host: this.host, port: this.port, method, path, headers, agent: this.agent },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
          res.on('error', fail);
        },
      );
      req.setTimeout(HTTP_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${path}: timeout`)));
      req.on('error', fail);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A new article by `admin`; its id. */
export async function createArticle(base: string, admin: Account, title: string): Promise<string> {
  const article = await api<{ id: string }>(base, 'POST', '/api/articles', {
    token: admin.token,
    body: { category: 'Bench', title, keyTakeaways: [], followUps: [] },
    expect: 201,
  });
  return article.id;
}

// ---------------------------------------------------------------------------------------------
// the server under test

export interface BenchServer {
  /** `http://127.0.0.1:<port>` */
  base: string;
  pid: number;
  server: ServerProcess;
  database: TestDatabase;
}

export interface BenchServerOptions {
  /** REDIS_URL = the test Redis (the Redis relay and Socket.IO adapter) */
  redis?: boolean;
  /** an existing database (e.g. a second instance); otherwise a new one, dropped at cleanup */
  database?: TestDatabase;
  tallyIntervalMs?: number;
  /** the server writes a V8 CPU profile to bench-results/ as it stops */
  cpuProf?: boolean;
  /** more environment for the server */
  env?: Record<string, string>;
}

/**
 * Starts the compiled server (`dist/src/main.js`, as `npm run start:prod`) on a fresh database
 * with rate limits off and an admin account; stopped (SIGTERM) and the database dropped at
 * cleanup.
 */
export async function startBenchServer(options: BenchServerOptions = {}): Promise<BenchServer> {
  let database = options.database;
  if (!database) {
    const created = await createTestDatabase();
    onCleanup(`drop database ${created.name}`, () => created.drop());
    database = created;
  }
  if (options.cpuProf) mkdirSync(RESULTS_DIR, { recursive: true });
  const server = await startServer({
    DATABASE_URL: database.url,
    JWT_SECRET,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    RATE_LIMITS: 'off',
    // every bench socket comes from 127.0.0.1
    SOCKET_MAX_CONNECTIONS_PER_IP: '0',
    LOG_LEVEL: 'warn',
    TALLY_INTERVAL_MS: String(options.tallyIntervalMs ?? 100),
    ...(options.redis ? { REDIS_URL: TEST_REDIS_URL } : {}),
    ...(options.cpuProf
      ? {
          NODE_OPTIONS: `--require ${resolve(__dirname, 'cpu-profile.js')}`,
          BENCH_CPU_PROFILE_DIR: RESULTS_DIR,
        }
      : {}),
    ...options.env,
  });
  onCleanup(`stop server pid ${server.pid}`, async () => {
    const code = await server.stop('SIGTERM');
    if (code !== 0) console.error(`server exited with code ${code} on SIGTERM`);
  });
  return { base: server.url, pid: server.pid, server, database };
}

// ---------------------------------------------------------------------------------------------
// pgbench, the PostgreSQL baseline

export const PGBENCH = process.env.PGBENCH ?? 'pgbench';

export interface PgbenchOptions {
  /** the script's text (pgbench's custom script language); written to a temporary file */
  script: string;
  clients: number;
  threads: number;
  seconds: number;
  /** `-D name=value` variables for the script */
  variables?: Record<string, string | number>;
  /** `--random-seed`: the script's `random()` draws, printed by the caller */
  seed?: number;
}

export interface PgbenchResult {
  /** transactions per second without the initial connection time */
  tps: number;
  transactions: number;
  latencyAvgMs: number | null;
  failed: number;
  /** the command line, for the JSON */
  command: string;
  output: string;
}

/** Runs `pgbench -n -M prepared` with `options.script` against `databaseUrl`. */
export async function runPgbench(
  databaseUrl: string,
  options: PgbenchOptions,
): Promise<PgbenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'townhall-pgbench-'));
  const file = join(dir, 'script.sql');
  writeFileSync(file, options.script);
  const url = new URL(databaseUrl);
  const args = [
    '-n',
    '-M',
    'prepared',
    '-c',
    String(options.clients),
    '-j',
    String(options.threads),
    '-T',
    String(options.seconds),
    '-f',
    file,
    ...(options.seed === undefined ? [] : [`--random-seed=${options.seed}`]),
    ...Object.entries(options.variables ?? {}).flatMap(([name, value]) => [
      '-D',
      `${name}=${value}`,
    ]),
    '-h',
    url.hostname,
    '-p',
    url.port || '5432',
    '-U',
    decodeURIComponent(url.username || 'postgres'),
    url.pathname.slice(1),
  ];
  try {
    const output = await new Promise<string>((done, fail) => {
      execFile(
        PGBENCH,
        args,
        { timeout: (options.seconds + 60) * 1000, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const text = `${stdout}${stderr}`;
          if (error) fail(new Error(`pgbench failed: ${error.message}\n${text.slice(-3000)}`));
          else done(text);
        },
      );
    });
    const number = (pattern: RegExp): number | null => {
      const match = pattern.exec(output);
      return match ? Number(match[1]) : null;
    };
    const tps = number(/^tps = ([\d.]+)/m);
    if (tps === null) throw new Error(`pgbench printed no tps:\n${output.slice(-3000)}`);
    // pgbench ends a client at its first error and still exits 0: every client must last
    const aborted = /client \d+ aborted|error: /.exec(output);
    if (aborted) throw new Error(`pgbench: ${aborted[0]}…\n${output.slice(-3000)}`);
    return {
      tps,
      transactions: number(/^number of transactions actually processed: (\d+)/m) ?? 0,
      latencyAvgMs: number(/^latency average = ([\d.]+) ms/m),
      failed: number(/^number of failed transactions: (\d+)/m) ?? 0,
      command: `pgbench ${args.join(' ')}`,
      output,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
