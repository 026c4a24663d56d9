import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AppConfig, MetricsAccess } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/**
 * Who may scrape `GET /metrics` (METRICS_TOKEN, METRICS_PUBLIC): the route is public to the
 * user guards, since a scraper has no user account; this guard is its only gate.
 */
@Injectable()
export class MetricsAccessGuard implements CanActivate {
  private readonly access: MetricsAccess;
  private readonly tokenDigest: Buffer | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.access = config.metricsAccess;
    this.tokenDigest = this.access.kind === 'token' ? digest(this.access.token) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (this.access.kind === 'open') return true;
    // closed: the same answer as a route that does not exist, so a scan learns nothing
    if (this.access.kind === 'closed' || this.tokenDigest === null) {
      throw new NotFoundException(`Cannot ${request.method} ${request.path}`);
    }
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    // digests of equal length: the comparison takes the same time whatever was sent
    if (presented !== undefined && timingSafeEqual(digest(presented), this.tokenDigest)) {
      return true;
    }
    context
      .switchToHttp()
      .getResponse<Response>()
      .setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
    throw new UnauthorizedException('missing or wrong metrics token (Authorization: Bearer …)');
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
