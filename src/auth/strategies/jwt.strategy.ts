import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { Principal } from '../../common/auth/principal';
import { UnauthorizedError } from '../../common/errors/domain-error';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { UsersService } from '../../users/users.service';
import {
  type AccessClaims,
  JWT_ALGORITHM,
  JWT_AUDIENCE,
  JWT_ISSUER,
  TokenService,
} from '../token.service';

/**
 * Bearer access tokens. The user is loaded on every request, so a role change or a ban
 * applies to the very next request, not when the token expires.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly users: UsersService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.jwtSecret,
      algorithms: [JWT_ALGORITHM],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      ignoreExpiration: false,
    });
  }

  async validate(payload: Partial<AccessClaims>): Promise<Principal> {
    const claims = TokenService.checkClaims(payload);
    const user = claims ? await this.users.findById(claims.sub) : null;
    if (!user) throw new UnauthorizedError('invalid access token');
    return { id: user.id, username: user.username, role: user.role, banned: user.isBanned() };
  }
}
