import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
export const JWT_ALGORITHM = 'HS256';
export const JWT_ISSUER = 'townhall';
export const JWT_AUDIENCE = 'townhall';
/** Tolerated clock difference for `iat`. */
const CLOCK_SKEW_SECONDS = 60;

export interface AccessClaims {
  sub: string;
  iat: number;
  exp: number;
}

/** A refresh token as the client holds it: `<row id>.<secret>`. */
export interface RefreshTokenParts {
  id: string;
  secret: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Issues and checks tokens; knows nothing of storage. */
@Injectable()
export class TokenService {
  constructor(private readonly jwt: JwtService) {}

  signAccessToken(userId: string): string {
    return this.jwt.sign(
      { sub: userId },
      {
        algorithm: JWT_ALGORITHM,
        expiresIn: ACCESS_TOKEN_TTL_SECONDS,
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
      },
    );
  }

  /**
   * Claims of a valid access token, or null. Only HS256 with our secret, issuer and audience;
   * `exp` is mandatory (jsonwebtoken accepts a token without it) and `iat` may not lie ahead.
   */
  verifyAccessToken(token: string): AccessClaims | null {
    try {
      const claims = this.jwt.verify<Partial<AccessClaims>>(token, {
        algorithms: [JWT_ALGORITHM],
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
      });
      return TokenService.checkClaims(claims);
    } catch {
      return null;
    }
  }

  static checkClaims(claims: Partial<AccessClaims>): AccessClaims | null {
    const now = Math.floor(Date.now() / 1000);
    const { sub, iat, exp } = claims;
    if (typeof sub !== 'string' || !UUID.test(sub)) return null;
    if (typeof exp !== 'number' || exp <= now) return null;
    if (typeof iat !== 'number' || iat > now + CLOCK_SKEW_SECONDS) return null;
    if (exp - iat > ACCESS_TOKEN_TTL_SECONDS) return null;
    return { sub, iat, exp };
  }

  newRefreshSecret(): { secret: string; hash: string } {
    const secret = randomBytes(32).toString('base64url');
    return { secret, hash: TokenService.hashSecret(secret) };
  }

  static formatRefreshToken(id: string, secret: string): string {
    return `${id}.${secret}`;
  }

  static parseRefreshToken(token: string): RefreshTokenParts | null {
    const [id, secret, ...rest] = token.split('.');
    if (rest.length > 0 || !id || !secret || !UUID.test(id) || !/^[\w-]{43}$/.test(secret)) {
      return null;
    }
    return { id, secret };
  }

  static secretMatches(secret: string, storedHash: string): boolean {
    const actual = Buffer.from(TokenService.hashSecret(secret), 'hex');
    const expected = Buffer.from(storedHash, 'hex');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  private static hashSecret(secret: string): string {
    return createHash('sha256').update(secret).digest('hex');
  }
}
