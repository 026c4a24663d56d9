import { ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { IS_PUBLIC } from '../../common/decorators/public.decorator';
import { isDatabaseUnavailable } from '../../database/database-errors';

/**
 * Global: every route needs a valid access token unless marked @Public(). On public routes
 * a valid token still identifies the caller (e.g. for `myVotes`); a bad one is ignored.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!isPublic) return (await super.canActivate(context)) as boolean;
    const request = context.switchToHttp().getRequest<Request>();
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
}
