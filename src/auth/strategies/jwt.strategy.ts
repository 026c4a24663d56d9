import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { Principal } from '../../common/auth/principal';
import { UnauthorizedError } from '../../common/errors/domain-error';
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
    tokens: TokenService,
    private readonly users: UsersService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // the prepared KeyObject (see TokenService.key); passport-jwt types only know strings
      secretOrKeyProvider: (
        _request: unknown,
        _token: unknown,
        done: (error: null, key: string) => void,
      ) => done(null, tokens.key as unknown as string),
      algorithms: [JWT_ALGORITHM],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      ignoreExpiration: false,
    });
  }

  async validate(payload: Partial<AccessClaims>): Promise<Principal> {
    const claims = TokenService.checkClaims(payload);
    const principal = claims ? await this.users.findPrincipal(claims.sub) : null;
    if (!principal) throw new UnauthorizedError('invalid access token');
    return principal;
  }
}
