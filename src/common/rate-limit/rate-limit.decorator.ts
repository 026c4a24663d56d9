import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { RateLimitName } from '../../config/app-config';
import { RATE_LIMITS_OF_ROUTE, RateLimitGuard } from './rate-limit.guard';

/** Counts calls of this route against the named limits (see RATE_LIMIT_DEFAULTS). */
export function RateLimit(...names: RateLimitName[]): MethodDecorator {
  return applyDecorators(
    SetMetadata(RATE_LIMITS_OF_ROUTE, names),
    UseGuards(RateLimitGuard),
    ApiResponse({ status: 429, description: 'Rate limited; see Retry-After (seconds)' }),
  );
}
