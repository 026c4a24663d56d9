import Redis, { Cluster, type RedisOptions } from 'ioredis';
import type { AppConfig } from '../../config/app-config';

/** One Redis server or a Redis Cluster: both answer the commands Townhall sends. */
export type RedisClient = Redis | Cluster;

/** What every client of Townhall asks of its connection (the rest is each client's own). */
export interface RedisClientOptions {
  connectionName: string;
  lazyConnect?: boolean;
  /** Cluster only: one subscriber connection per shard, for SSUBSCRIBE of sharded channels. */
  shardedSubscribers?: boolean;
}

/**
 * The client for REDIS_URL: a Redis Cluster client over the seed nodes when REDIS_CLUSTER is
 * set, else a plain client. Commands fail at once while disconnected (no offline queue, one
 * retry): every caller has its own fallback (memory rate limits, catch-up from PostgreSQL).
 * null without REDIS_URL.
 */
export function createRedisClient(
  config: Pick<AppConfig, 'redisUrl' | 'redisClusterNodes'>,
  options: RedisClientOptions,
): RedisClient | null {
  if (!config.redisUrl) return null;
  const common: RedisOptions = {
    maxRetriesPerRequest: 1,
    connectionName: options.connectionName,
  };
  if (!config.redisClusterNodes) {
    return new Redis(config.redisUrl, {
      ...common,
      enableOfflineQueue: false,
      lazyConnect: options.lazyConnect ?? false,
    });
  }
  const seeds = config.redisClusterNodes.map((raw) => new URL(raw));
  const first = seeds[0]!;
  return new Cluster(
    seeds.map((url) => ({ host: url.hostname, port: Number(url.port || 6379) })),
    {
      enableOfflineQueue: false,
      lazyConnect: options.lazyConnect ?? false,
      shardedSubscribers: options.shardedSubscribers ?? false,
      // a whole cluster gone: keep trying, like the plain client does
      clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
      redisOptions: {
        ...common,
        username: first.username ? decodeURIComponent(first.username) : undefined,
        password: first.password ? decodeURIComponent(first.password) : undefined,
        tls: first.protocol === 'rediss:' ? {} : undefined,
      },
    },
  );
}

/** Where REDIS_URL points, for the start-up log line. */
export function describeRedis(config: Pick<AppConfig, 'redisUrl' | 'redisClusterNodes'>): string {
  if (!config.redisUrl) return 'in-process';
  if (config.redisClusterNodes) {
    const hosts = config.redisClusterNodes.map((raw) => new URL(raw).host);
    return `Redis Cluster via ${hosts.join(', ')}`;
  }
  return `Redis at ${new URL(config.redisUrl).host}`;
}
