import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { ApiKeyPrincipal, Principal, Role } from '../../common/auth/principal';
import { IS_PUBLIC } from '../../common/decorators/public.decorator';
import { REQUIRED_ROLES } from '../../common/decorators/roles.decorator';
import {
  SITE_WRITER,
  type SiteWriterMetadata,
} from '../../common/decorators/site-writer.decorator';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Global, after JwtAuthGuard: enforces @Roles(), and bars banned users from every write and
 * every @Roles() route (a ban applies to the banned user's very next request).
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context
      .switchToHttp()
      .getRequest<Request & { user?: Principal; apiKey?: ApiKeyPrincipal }>();
    const user = request.user;
    const siteWriter = this.reflector.get<SiteWriterMetadata | undefined>(
      SITE_WRITER,
      context.getHandler(),
    );
    if (siteWriter) return this.mayWriteSite(request, siteWriter.param);
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (roles && (!user || !roles.includes(user.role))) {
      throw new ForbiddenException(`requires role ${roles.join(' or ')}`);
    }
    // a banned moderator or admin keeps the role but may not use it, not even to read the queue
    if (roles && user?.banned) throw new ForbiddenException('your account is banned');
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    // public writes (login, refresh, logout) stay open: a ban limits what a user may do signed in
    if (user?.banned && !READS.has(request.method) && !isPublic) {
      throw new ForbiddenException('your account is banned');
    }
    return true;
  }

  /** An admin who is not banned, or an API key of the site in the path. */
  private mayWriteSite(
    request: Request & { user?: Principal; apiKey?: ApiKeyPrincipal },
    param: string,
  ): boolean {
    if (request.apiKey) {
      const siteId = String(request.params[param] ?? '').toLowerCase();
      if (siteId !== request.apiKey.siteId) {
        throw new ForbiddenException('this API key belongs to another site');
      }
      return true;
    }
    if (request.user?.role !== 'admin') {
      throw new ForbiddenException("requires role admin or an API key of the article's site");
    }
    if (request.user.banned) throw new ForbiddenException('your account is banned');
    return true;
  }
}
