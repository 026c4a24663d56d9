import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type { Request } from 'express';
import type { AppConfig, RateLimitName } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { Principal } from '../auth/principal';
import { RateLimitGuard, TRACKERS } from './rate-limit.guard';
import { ResilientThrottlerStorage } from './resilient-throttler.storage';

/**
 * Rate limits, counted in Redis when REDIS_URL is set (so they hold across instances), in
 * memory otherwise. RATE_LIMITS=off turns every limit off.
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        throttlers: Object.entries(config.rateLimitRules).map(([name, rule]) => ({
          name,
          limit: rule.limit,
          ttl: rule.ttlMs,
          getTracker: (request: Record<string, unknown>) =>
            TRACKERS[name as RateLimitName](request as unknown as Request & { user?: Principal }),
        })),
        skipIf: () => !config.rateLimits,
        storage: config.redisUrl ? new ResilientThrottlerStorage(config) : undefined,
        errorMessage: 'Too many requests; try again later',
      }),
    }),
  ],
  providers: [RateLimitGuard],
  exports: [ThrottlerModule, RateLimitGuard],
})
export class RateLimitModule {}
