import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { clientAddress, compileTrustProxy, type TrustProxy } from '../../common/net/client-address';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { MetricsService } from '../../metrics/metrics.service';
import { SocketLimitsService } from './socket-limits.service';
import { SocketServer } from './socket-server';
import { MODERATORS_ROOM, type TownhallSocket, userRoom } from './socket-types';

/**
 * A connection's life on this instance: its limits, and the rooms its user is reached in
 * (its own user room; the moderators' room for moderators and admins who are not banned).
 */
@Injectable()
export class SocketSessions {
  private readonly trust: TrustProxy | null;
  /** Engine.IO connections → their client's address, read before the handshake request is dropped. */
  private readonly addresses = new WeakMap<object, string>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly limits: SocketLimitsService,
    private readonly metrics: MetricsService,
    private readonly sockets: SocketServer,
  ) {
    this.trust = compileTrustProxy(config.trustProxy);
  }

  /**
   * Engine.IO's `connection`, before the gateway drops the handshake request (its headers and
   * buffers are not kept per socket, so `socket.handshake.headers` is empty later): the client's
   * address, with X-Forwarded-For parsed here once per connection and nowhere else.
   */
  opened(connection: object, request: IncomingMessage): void {
    this.addresses.set(connection, clientAddress(request, this.trust));
  }

  connected(socket: TownhallSocket): void {
    socket.data.address = this.addresses.get(socket.conn) ?? socket.handshake.address;
    socket.data.subscriptions = new Set();
    socket.data.watching = new Set();
    this.limits.limitEvents(socket);
    const user = socket.data.user;
    if (user) {
      this.sockets.join(socket, userRoom(user.id));
      if (user.role !== 'reader' && !user.banned) this.sockets.join(socket, MODERATORS_ROOM);
    }
    this.metrics.socketsConnected.inc();
  }

  disconnected(socket: TownhallSocket): void {
    if (socket.data.expiryTimer) clearTimeout(socket.data.expiryTimer);
    this.metrics.socketsConnected.dec();
  }
}
