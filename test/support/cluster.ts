import { killAllRedisServers, type RedisServer, startRedisServer } from './redis-server';
import { killAllServers, type ServerProcess, startServer } from './server-process';
import { ADMIN, TEST_JWT_SECRET } from './test-app';
import { createTestDatabase, type TestDatabase } from './test-database';

/** Compiled servers sharing one fresh database and one redis-server of the test's own. */
export interface Cluster {
  database: TestDatabase;
  redis: RedisServer;
  servers: ServerProcess[];
  /** SIGKILLs every server and redis-server of the file, then drops the database. */
  close(): Promise<void>;
}

/** The environment of a deployment's instance: rate limits off, LOG_LEVEL=warn, test-app's admin. */
export function clusterEnv(databaseUrl: string, redisUrl: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
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
 * overrides the defaults (rate limits off, LOG_LEVEL=warn).
 */
export async function startCluster(
  count: number,
  env: Record<string, string> = {},
): Promise<Cluster> {
  const database = await createTestDatabase();
  let redis: RedisServer | undefined;
  const close = async (): Promise<void> => {
    await killAllServers();
    await killAllRedisServers();
    await database.drop();
  };
  try {
    redis = await startRedisServer();
    const serverEnv = { ...clusterEnv(database.url, redis.url), ...env };
    const servers = await Promise.all(Array.from({ length: count }, () => startServer(serverEnv)));
    return { database, redis, servers, close };
  } catch (error) {
    await close();
    throw error;
  }
}
