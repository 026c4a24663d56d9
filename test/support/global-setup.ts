import { Client } from 'pg';
import Redis from 'ioredis';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './test-database';

/** Fails fast, with a useful message, when the suite's PostgreSQL or Redis is not running. */
export default async function globalSetup(): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL for tests is not reachable at ${TEST_DATABASE_URL}: ${String(error)}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis for tests is not reachable at ${TEST_REDIS_URL}: ${String(error)}`);
  } finally {
    redis.disconnect();
  }
}
