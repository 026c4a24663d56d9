import { Injectable } from '@nestjs/common';
import { TokenService } from '../../auth/token.service';
import { UsersService } from '../../users/users.service';
import { type Ack } from '../contract';
import type { TownhallSocket } from './socket-types';
import { fail } from './socket-validation';

/**
 * Who a new socket is: no token, an anonymous reader; a valid access token, its user (loaded
 * fresh, with role and ban); a bad or expired one, refused. A signed-in socket is told and
 * closed when its token expires, unless the client sends `reauth` with a fresh token of the
 * same user first (then it stays open until that one expires).
 */
@Injectable()
export class HandshakeAuth {
  constructor(
    private readonly tokens: TokenService,
    private readonly users: UsersService,
  ) {}

  /** Sets `socket.data.user`; throws (→ `connect_error`) for a token that is not valid. */
  async authenticate(socket: TownhallSocket): Promise<void> {
    const token: unknown = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    socket.data.user = null;
    if (token === undefined || token === null) return;
    const claims = typeof token === 'string' ? this.tokens.verifyAccessToken(token) : null;
    if (!claims) throw new Error('unauthorized');
    const user = await this.users.findPrincipal(claims.sub);
    if (!user) throw new Error('unauthorized');
    socket.data.user = user;
    this.expireAt(socket, claims.exp);
  }

  /** `reauth`: a fresh access token of the socket's own user moves its expiry. */
  async reauthenticate(socket: TownhallSocket, token: string): Promise<Ack> {
    const current = socket.data.user;
    const claims = this.tokens.verifyAccessToken(token);
    if (!current || !claims || claims.sub !== current.id) {
      return fail('unauthorized', 'not a valid access token of the signed-in user');
    }
    const user = await this.users.findPrincipal(claims.sub);
    if (!user || !socket.connected) return fail('unauthorized', 'the user is gone');
    socket.data.user = user;
    this.expireAt(socket, claims.exp);
    return { ok: true };
  }

  private expireAt(socket: TownhallSocket, exp: number): void {
    if (socket.data.expiryTimer) clearTimeout(socket.data.expiryTimer);
    socket.data.expiryTimer = setTimeout(
      () => {
        socket.emit('session.expired', {
          reason: 'token_expired',
          message: 'access token expired: refresh it and send reauth, or reconnect with it',
        });
        socket.disconnect(true);
      },
      exp * 1000 - Date.now(),
    );
  }
}
