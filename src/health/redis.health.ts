import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { closeRedis } from '../common/redis/close-redis';
import { createRedisClient, type RedisClient } from '../common/redis/redis-client';

/** Pings Redis (a node of the cluster, with REDIS_CLUSTER) when REDIS_URL is set; without it, fan-out is in-process and always "up". */
@Injectable()
export class RedisHealthIndicator implements OnModuleDestroy {
  private readonly client: RedisClient | null;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly indicator: HealthIndicatorService,
  ) {
    this.client = createRedisClient(config, {
      lazyConnect: true,
      connectionName: 'townhall-health',
    });
    // errors surface through the ping; without a listener ioredis would log them loudly
    this.client?.on('error', () => undefined);
  }

  async check(key: string): Promise<HealthIndicatorResult> {
    const session = this.indicator.check(key);
    if (!this.client) return session.up({ mode: 'in-process' });
    try {
      if (this.client.status === 'wait' || this.client.status === 'end')
        await this.client.connect();
      await withTimeout(this.client.ping(), 1000);
      return session.up({ mode: 'redis' });
    } catch (error) {
      return session.down({ mode: 'redis', message: (error as Error).message });
    }
  }

  async onModuleDestroy(): Promise<void> {
    await closeRedis(this.client);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref(),
    ),
  ]);
}
