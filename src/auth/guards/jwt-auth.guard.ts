import {
  BadRequestException,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import type { ApiKeyPrincipal } from '../../common/auth/principal';
import { IS_PUBLIC } from '../../common/decorators/public.decorator';
import { SITE_WRITER } from '../../common/decorators/site-writer.decorator';
import { isDatabaseUnavailable } from '../../database/database-errors';
import { ApiKeysService } from '../../sites/api-keys.service';

/**
 * Global: every route needs a valid access token unless marked @Public(). On public routes
 * a valid token still identifies the caller (e.g. for `myVotes`); a bad one is ignored.
 * A site's API key (`thk_…`) is accepted only on @SiteWriter() routes (elsewhere 403; on
 * public routes it is answered as anyone), and an unknown or revoked key is a 401.
 * Two Authorization headers are a 400 (Node would keep only the first); one that is not
 * `Bearer <token>` (extra words, another scheme) is a 401 where a login is needed.
 */
/** `Bearer` and one token (a JWT or an API key), nothing before or after it. */
const BEARER = /^Bearer [A-Za-z0-9._~+/-]+=*$/;

@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.flag(context, IS_PUBLIC);
    const request = context.switchToHttp().getRequest<Request & { apiKey?: ApiKeyPrincipal }>();
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const given = request.rawHeaders.filter(
        (value, i) => i % 2 === 0 && value.toLowerCase() === 'authorization',
      );
      if (given.length > 1) throw new BadRequestException('send one Authorization header');
      if (!BEARER.test(authorization)) {
        if (isPublic) return true; // a bad token counts as none on public routes
        throw new UnauthorizedException('Authorization must be "Bearer <token>"');
      }
    }
    const token = /^Bearer (thk_\S*)$/.exec(authorization ?? '')?.[1];
    if (token) {
      const acceptsKeys = this.flag(context, SITE_WRITER);
      if (isPublic && !acceptsKeys) return true;
      const key = await this.keys.authenticate(token);
      if (!key) throw new UnauthorizedException('invalid or revoked API key');
      if (!acceptsKeys) {
        throw new ForbiddenException("an API key may only manage its own site's articles");
      }
      request.apiKey = key;
      return true;
    }
    if (!isPublic) return (await super.canActivate(context)) as boolean;
    if (!request.headers.authorization) return true;
    try {
      await super.canActivate(context);
    } catch (error) {
      // a database outage is not a bad token: 503, not an anonymous answer
      if (isDatabaseUnavailable(error)) throw error;
      // anonymous after all
    }
    return true;
  }

  override handleRequest<TUser>(error: unknown, user: TUser | false): TUser {
    // loading the user failed because the database is down: 503 (via the filter), not 401
    if (isDatabaseUnavailable(error)) throw error;
    if (error || !user) throw new UnauthorizedException('missing or invalid access token');
    return user;
  }

  private flag(context: ExecutionContext, key: string): boolean {
    return Boolean(
      this.reflector.getAllAndOverride(key, [context.getHandler(), context.getClass()]),
    );
  }
}
