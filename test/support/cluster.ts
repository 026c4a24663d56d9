import Redis, { Cluster as RedisClusterClient } from 'ioredis';
import { killAllRedisClusters, startRedisCluster } from './redis-cluster';
import { killAllRedisServers, type RedisServer, startRedisServer } from './redis-server';
import { killAllServers, type ServerProcess, startServer } from './server-process';
import { ADMIN, TEST_JWT_SECRET } from './test-app';
import { createTestDatabase, type TestDatabase } from './test-database';

/** The Redis of a test deployment: one redis-server, or a three-shard Redis Cluster. */
export type TestRedis = Pick<RedisServer, 'url' | 'stop' | 'start'> & { cluster: boolean };

/**
 * Which Redis startCluster gives the servers by default: one redis-server, or with
 * TOWNHALL_TEST_REDIS=cluster a three-shard Redis Cluster (the cross-instance specs then run
 * against a cluster as they are).
 */
export type RedisKind = 'server' | 'cluster';
const DEFAULT_REDIS: RedisKind =
  process.env.TOWNHALL_TEST_REDIS === 'cluster' ? 'cluster' : 'server';

/** Compiled servers sharing one fresh database and one Redis of the test's own. */
export interface Cluster {
  database: TestDatabase;
  redis: TestRedis;
  servers: ServerProcess[];
  /** SIGKILLs every server and redis-server of the file, then drops the database. */
  close(): Promise<void>;
}

/** The environment of a deployment's instance: rate limits off, LOG_LEVEL=warn, test-app's admin. */
export function clusterEnv(
  databaseUrl: string,
  redisUrl: string,
  redisCluster = false,
): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    ...(redisCluster ? { REDIS_CLUSTER: 'true' } : {}),
    JWT_SECRET: TEST_JWT_SECRET,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    RATE_LIMITS: 'off',
    LOG_LEVEL: 'warn',
  };
}

/**
 * Starts `count` servers (`node dist/src/main.js`, healthy before this resolves) as a
 * load-balanced deployment runs them, with the admin of test-app's ADMIN. `env` adds to or
 * overrides the defaults (rate limits off, LOG_LEVEL=warn); `redisKind` picks one redis-server
 * or a three-shard Redis Cluster (REDIS_CLUSTER=true, the seed nodes in REDIS_URL).
 */
export async function startCluster(
  count: number,
  env: Record<string, string> = {},
  redisKind: RedisKind = DEFAULT_REDIS,
): Promise<Cluster> {
  const database = await createTestDatabase();
  let redis: TestRedis | undefined;
  const close = async (): Promise<void> => {
    await killAllServers();
    await killAllRedisServers();
    await killAllRedisClusters();
    await database.drop();
  };
  try {
    redis =
      redisKind === 'cluster'
        ? { ...(await startRedisCluster()), cluster: true }
        : { ...(await startRedisServer()), cluster: false };
    const serverEnv = { ...clusterEnv(database.url, redis.url, redis.cluster), ...env };
    const servers = await Promise.all(Array.from({ length: count }, () => startServer(serverEnv)));
    return { database, redis, servers, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A client of the test's Redis (a cluster client for a cluster), for specs that look inside. */
export function testRedisClient(redis: TestRedis): Redis | RedisClusterClient {
  const options = { maxRetriesPerRequest: 1, lazyConnect: true };
  if (!redis.cluster) return new Redis(redis.url, options);
  const nodes = redis.url.split(',').map((raw) => {
    const url = new URL(raw);
    return { host: url.hostname, port: Number(url.port) };
  });
  return new RedisClusterClient(nodes, { lazyConnect: true, redisOptions: options });
}

/** The keys matching `pattern`, on every master of a cluster. */
export async function keysOf(
  client: Redis | RedisClusterClient,
  pattern: string,
): Promise<string[]> {
  if (!(client instanceof RedisClusterClient)) return client.keys(pattern);
  const perNode = await Promise.all(client.nodes('master').map((node) => node.keys(pattern)));
  return perNode.flat();
}
