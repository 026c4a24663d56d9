import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { UnauthorizedError } from '../common/errors/domain-error';
import { User } from '../users/user.entity';
import { UsersService, type NewUser } from '../users/users.service';
import { RefreshToken } from './refresh-token.entity';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { SsoService } from './sso.service';
import { REFRESH_TOKEN_TTL_MS, TokenService } from './token.service';

export interface Session {
  user: User;
  accessToken: string;
  refreshToken: string;
}

type Rotation = { kind: 'rotated'; session: Session } | { kind: 'refused'; reason: string };

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokenService,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly em: EntityManager,
    private readonly sso: SsoService,
  ) {}

  async register(input: NewUser): Promise<Session> {
    const user = await this.users.create({ ...input, role: 'reader' });
    return this.startSession(user);
  }

  /** Same answer, and about the same time, for an unknown user and a wrong password. */
  async validateCredentials(username: string, password: string): Promise<User> {
    const user = await this.users.authenticate(username, password);
    if (!user) throw new UnauthorizedError('invalid username or password');
    return user;
  }

  /** A session for the publisher's user the site-signed token names (created on first use). */
  async signInSso(siteId: string, token: string): Promise<Session> {
    const profile = await this.sso.verify(siteId.toLowerCase(), token);
    return this.startSession(await this.users.signInSso(profile));
  }

  startSession(user: User): Promise<Session> {
    return this.em.transactional((em) => this.issue(em, user, randomUUID()));
  }

  /**
   * Rotation with reuse detection. The token row is locked, so of two concurrent uses of one
   * token exactly one rotates and the other is seen as a reuse. The revocation is committed
   * before the 401 is thrown.
   */
  async refresh(token: string): Promise<Session> {
    const parts = TokenService.parseRefreshToken(token);
    if (!parts) throw new UnauthorizedError('invalid refresh token');
    const outcome = await this.em.transactional(async (em): Promise<Rotation> => {
      const now = new Date();
      const stored = await this.refreshTokens.findForUpdate(parts.id);
      if (!stored || !TokenService.secretMatches(parts.secret, stored.secretHash)) {
        return { kind: 'refused', reason: 'invalid refresh token' };
      }
      if (stored.revokedAt) return { kind: 'refused', reason: 'refresh token revoked' };
      if (stored.usedAt) {
        await this.refreshTokens.revokeFamily(stored.familyId, now);
        return { kind: 'refused', reason: 'refresh token reused; session revoked' };
      }
      if (stored.expiresAt <= now) return { kind: 'refused', reason: 'refresh token expired' };
      stored.usedAt = now;
      const user = await stored.user.load();
      if (!user) return { kind: 'refused', reason: 'invalid refresh token' };
      return { kind: 'rotated', session: await this.issue(em, user, stored.familyId) };
    });
    if (outcome.kind === 'refused') throw new UnauthorizedError(outcome.reason);
    return outcome.session;
  }

  /** Revokes the token's whole chain; unknown tokens are ignored (logout is idempotent). */
  async logout(token: string): Promise<void> {
    const parts = TokenService.parseRefreshToken(token);
    if (!parts) return;
    const stored = await this.refreshTokens.findOne({ id: parts.id });
    if (stored && TokenService.secretMatches(parts.secret, stored.secretHash)) {
      await this.refreshTokens.revokeFamily(stored.familyId);
    }
  }

  private async issue(em: EntityManager, user: User, familyId: string): Promise<Session> {
    const { secret, hash } = this.tokens.newRefreshSecret();
    const row = new RefreshToken(
      em.getReference(User, user.id, { wrapped: true }),
      familyId,
      hash,
      new Date(Date.now() + REFRESH_TOKEN_TTL_MS),
    );
    em.persist(row);
    await em.flush();
    return {
      user,
      accessToken: this.tokens.signAccessToken(user.id),
      refreshToken: TokenService.formatRefreshToken(row.id, secret),
    };
  }
}
