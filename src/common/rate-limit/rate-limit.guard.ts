import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerRequest } from '@nestjs/throttler';
import type { Request } from 'express';
import type { RateLimitName } from '../../config/app-config';
import type { Principal } from '../auth/principal';

export const RATE_LIMITS_OF_ROUTE = 'townhall:rateLimits';

/** Who a limit counts against: the client IP, the username tried, or the signed-in user. */
export const TRACKERS: Record<RateLimitName, (request: Request & { user?: Principal }) => string> =
  {
    'login-ip': (request) => `ip:${request.ip ?? 'unknown'}`,
    'login-user': (request) => `user:${triedUsername(request)}@${request.ip ?? 'unknown'}`,
    'login-user-total': (request) => `user:${triedUsername(request)}`,
    register: (request) => `ip:${request.ip ?? 'unknown'}`,
    comments: (request) => `uid:${request.user?.id ?? request.ip}`,
    votes: (request) => `uid:${request.user?.id ?? request.ip}`,
    reports: (request) => `uid:${request.user?.id ?? request.ip}`,
    'embed-create': (request) => `ip:${request.ip ?? 'unknown'}`,
  };

function triedUsername(request: Request): string {
  const username = (request.body as { username?: unknown } | undefined)?.username;
  return typeof username === 'string' ? username.toLowerCase() : '';
}

/**
 * Applies only the limits a route names with @RateLimit(...). It runs as a route guard,
 * after the global authentication guard, so per-user limits know the user. 429 answers carry
 * `Retry-After` (seconds).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const names =
      this.reflector.get<RateLimitName[] | undefined>(
        RATE_LIMITS_OF_ROUTE,
        props.context.getHandler(),
      ) ?? [];
    if (!names.includes(props.throttler.name as RateLimitName)) return true;
    return super.handleRequest(props);
  }

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    return Promise.resolve(String(request.ip));
  }

  protected override setResponseHeader(
    response: { header?: (name: string, value: unknown) => void },
    name: string,
    value: number,
  ): void {
    // one standard header for clients, whichever named limit was hit
    super.setResponseHeader(response, name.startsWith('Retry-After') ? 'Retry-After' : name, value);
  }

  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    name: string,
  ): string {
    return `townhall:rl:${name}:${tracker}`;
  }
}
