import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { type ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { Cluster } from 'ioredis';
import type { AppConfig } from '../../config/app-config';
import { closeRedis } from '../redis/close-redis';
import { createRedisClient, type RedisClient } from '../redis/redis-client';

type Record = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** How long a rate-limit check may wait for Redis before counting in memory instead. */
const REDIS_TIMEOUT_MS = 250;

/**
 * Counts in Redis (shared by every instance; on a Redis Cluster each key's two entries share
 * one slot through their hash tag) and, while Redis is unreachable, in this
 * process's memory: an outage weakens the limits for a while but never blocks or fails a
 * request.
 */
export class ResilientThrottlerStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly logger = new Logger('RateLimits');
  private readonly redis: RedisClient;
  private readonly shared: ThrottlerStorageRedisService;
  private readonly local = new ThrottlerStorageService();
  private degraded = false;

  /** `config` must have REDIS_URL (one server, or a cluster's seeds). */
  constructor(config: Pick<AppConfig, 'redisUrl' | 'redisClusterNodes'>) {
    this.redis = createRedisClient(config, { connectionName: 'townhall-rate-limits' })!;
    this.redis.on('error', () => undefined);
    // the constructor's overloads take either kind, not the union
    this.shared =
      this.redis instanceof Cluster
        ? new ThrottlerStorageRedisService(this.redis)
        : new ThrottlerStorageRedisService(this.redis);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    name: string,
  ): Promise<Record> {
    if (this.redis.status === 'ready') {
      try {
        const record = await withTimeout(
          this.shared.increment(key, ttl, limit, blockDuration, name),
        );
        this.degraded = false;
        return record;
      } catch {
        // fall through to memory
      }
    }
    if (!this.degraded) {
      this.degraded = true;
      this.logger.warn('Redis unavailable: counting rate limits in memory until it is back');
    }
    return this.local.increment(key, ttl, limit, blockDuration, name);
  }

  async onModuleDestroy(): Promise<void> {
    this.local.onApplicationShutdown();
    await closeRedis(this.redis);
  }
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error('timeout')), REDIS_TIMEOUT_MS).unref(),
    ),
  ]);
}
