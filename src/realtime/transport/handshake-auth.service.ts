import { Injectable } from '@nestjs/common';
import { TokenService } from '../../auth/token.service';
import { UsersService } from '../../users/users.service';
import type { TownhallSocket } from './socket-types';

/**
 * Who a new socket is: no token, an anonymous reader; a valid access token, its user (loaded
 * fresh, with role and ban); a bad or expired one, refused. A signed-in socket is told and
 * closed when its token expires (the client refreshes and reconnects).
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
    socket.data.expiryTimer = setTimeout(
      () => {
        socket.emit('session.expired', {
          reason: 'token_expired',
          message: 'access token expired: refresh it and reconnect with the new one',
        });
        socket.disconnect(true);
      },
      claims.exp * 1000 - Date.now(),
    );
  }
}
