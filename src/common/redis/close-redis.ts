import type { RedisClient } from './redis-client';

/**
 * Closes an ioredis client (one server or a cluster) for good: QUIT when connected (flushes
 * what is pending), otherwise a hard disconnect, since QUIT on a reconnecting client waits (or
 * fails) and leaves it retrying forever, keeping the process alive.
 */
export async function closeRedis(client: RedisClient | null | undefined): Promise<void> {
  if (!client || client.status === 'end') return;
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // fall through
    }
  }
  client.disconnect(false);
}
