import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { CHROMIUM } from './browser';
import { findPgBouncer } from './pgbouncer';
import { createPostgresCluster, type PostgresCluster } from './postgres-cluster';
import { findRedisServer, type RedisServer, startRedisServer } from './redis-server';

/** What the global setup started, for the teardown (the same process, as Jest runs them). */
export interface StartedServices {
  postgres?: PostgresCluster;
  redis?: RedisServer;
}
declare global {
  var townhallTestServices: StartedServices | undefined;
}

const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';
const LOCAL_REDIS = 'redis://127.0.0.1:6379';

/** TEST_SERVICES=start: the run's own PostgreSQL and Redis even when local ones answer. */
const startOwn = (): boolean => process.env.TEST_SERVICES === 'start';

/** A line on stderr and exit 1: a missing prerequisite is not a test failure to read a stack of. */
function stop(message: string): never {
  process.stderr.write(`\n${message}\n`);
  process.exit(1);
}

/** The tools the integration specs run; named by the Debian packages that bring them. */
function missingPackages(): string[] {
  const missing: string[] = [];
  if (findRedisServer() === null) missing.push('redis-server');
  if (!existsSync(CHROMIUM)) missing.push('chromium');
  if (findPgBouncer() === null) missing.push('pgbouncer');
  return missing;
}

async function postgresAnswers(url: string): Promise<string | null> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Whether something at `url` answers PING (a raw RESP round trip, no client library). */
async function redisAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk: Buffer) => done(chunk.toString('utf8').startsWith('+PONG')));
  });
}

/** TEST_DATABASE_URL, else the local PostgreSQL, else a throwaway embedded one. */
async function testPostgres(started: StartedServices): Promise<string> {
  const configured = process.env.TEST_DATABASE_URL;
  if (configured) {
    const problem = await postgresAnswers(configured);
    if (problem) stop(`TEST_DATABASE_URL (${configured}) does not answer: ${problem}`);
    return configured;
  }
  if (!startOwn() && (await postgresAnswers(LOCAL_POSTGRES)) === null) return LOCAL_POSTGRES;
  try {
    // a throwaway cluster: durability buys nothing here
    started.postgres = await createPostgresCluster({
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      max_connections: '300',
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    stop(
      `No PostgreSQL for the tests: none answers as ${LOCAL_POSTGRES}, TEST_DATABASE_URL is not set, and the embedded one did not start (${reason}).`,
    );
  }
  return started.postgres.url.replace(/\/[^/]*$/, '/postgres');
}

/** TEST_REDIS_URL, else the local Redis, else a redis-server of the run's own. */
async function testRedis(started: StartedServices): Promise<string> {
  const configured = process.env.TEST_REDIS_URL;
  if (configured) {
    if (!(await redisAnswers(configured)))
      stop(`TEST_REDIS_URL (${configured}) does not answer PING`);
    return configured;
  }
  if (!startOwn() && (await redisAnswers(LOCAL_REDIS))) return LOCAL_REDIS;
  started.redis = await startRedisServer();
  return started.redis.url;
}

/**
 * Before the integration specs: stop at once, in one line, when a tool is missing; find or
 * start PostgreSQL and Redis and hand their URLs to the workers (which inherit this env).
 */
export default async function globalSetup(): Promise<void> {
  const missing = missingPackages();
  if (missing.length > 0) {
    stop(
      `The integration specs need ${missing.join(' and ')}${missing.includes('chromium') ? ` (at ${CHROMIUM})` : ''}: apt-get install -y ${missing.join(' ')}`,
    );
  }
  const started: StartedServices = {};
  globalThis.townhallTestServices = started;
  process.env.TEST_DATABASE_URL = await testPostgres(started);
  process.env.TEST_REDIS_URL = await testRedis(started);
  const where = (url: string, own: unknown): string =>
    `${new URL(url).host}${own ? ' (started for this run)' : ''}`;
  process.stderr.write(
    `\ntests use PostgreSQL at ${where(process.env.TEST_DATABASE_URL, started.postgres)} and Redis at ${where(process.env.TEST_REDIS_URL, started.redis)}\n`,
  );
}
