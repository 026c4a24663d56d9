import {
  BadRequestException,
  type CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { ApiKeyPrincipal, Principal } from '../../common/auth/principal';
import { BAN_CHECKED_IN_WRITE } from '../../common/decorators/ban-checked-in-write.decorator';
import { IS_PUBLIC } from '../../common/decorators/public.decorator';
import { SITE_WRITER } from '../../common/decorators/site-writer.decorator';
import { isDatabaseUnavailable } from '../../database/database-errors';
import { ApiKeysService } from '../../sites/api-keys.service';
import { PrincipalsService } from '../principals/principals.service';
import { TokenService } from '../token.service';

/**
 * Global: every route needs a valid access token unless marked @Public(). On public routes
 * a valid token still identifies the caller (e.g. for `myVotes`); a bad one is ignored.
 * A site's API key (`thk_…`) is accepted only on @SiteWriter() routes (elsewhere 403; on
 * public routes it is answered as anyone), and an unknown or revoked key is a 401.
 * Two Authorization headers are a 400 (Node would keep only the first); one that is not
 * `Bearer <token>` (extra words, another scheme) is a 401 where a login is needed.
 *
 * Access tokens are checked here directly (TokenService: HS256, issuer, audience, claims), not
 * through a passport strategy: the same checks and answers without passport's per-request
 * strategy instance and callbacks, which cost more than the HMAC itself on the vote path.
 */
/** `Bearer` and one token (a JWT or an API key), nothing before or after it. */
const BEARER = /^Bearer [A-Za-z0-9._~+/-]+=*$/;

const UNAUTHORIZED = 'missing or invalid access token';

@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    private readonly tokens: TokenService,
    private readonly principals: PrincipalsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.flag(context, IS_PUBLIC);
    const request = context
      .switchToHttp()
      .getRequest<Request & { apiKey?: ApiKeyPrincipal; user?: Principal }>();
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
    const use = this.flag(context, BAN_CHECKED_IN_WRITE) ? 'cached' : 'fresh';
    if (!isPublic) {
      request.user = await this.authenticate(authorization, use);
      return true;
    }
    if (!authorization) return true;
    try {
      request.user = await this.authenticate(authorization, use);
    } catch (error) {
      // a database outage is not a bad token: 503, not an anonymous answer
      if (isDatabaseUnavailable(error)) throw error;
      // anonymous after all
    }
    return true;
  }

  /** The user of a valid bearer access token; 401 otherwise (a database outage passes). */
  private async authenticate(
    authorization: string | undefined,
    use: 'fresh' | 'cached',
  ): Promise<Principal> {
    const claims = authorization ? this.tokens.verifyAccessToken(authorization.slice(7)) : null;
    let principal: Principal | null = null;
    try {
      principal = claims ? await this.principals.load(claims.sub, use) : null;
    } catch (error) {
      // loading the user failed because the database is down: 503 (via the filter), not 401
      if (isDatabaseUnavailable(error)) throw error;
    }
    if (!principal) throw new UnauthorizedException(UNAUTHORIZED);
    return principal;
  }

  private flag(context: ExecutionContext, key: string): boolean {
    return Boolean(
      this.reflector.getAllAndOverride(key, [context.getHandler(), context.getClass()]),
    );
  }
}
