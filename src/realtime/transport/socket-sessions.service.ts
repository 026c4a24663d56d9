import { Injectable } from '@nestjs/common';
import { MetricsService } from '../../metrics/metrics.service';
import { SocketLimitsService } from './socket-limits.service';
import { MODERATORS_ROOM, type TownhallSocket, userRoom } from './socket-types';

/**
 * A connection's life on this instance: its limits, and the rooms its user is reached in
 * (its own user room; the moderators' room for moderators and admins who are not banned).
 */
@Injectable()
export class SocketSessions {
  constructor(
    private readonly limits: SocketLimitsService,
    private readonly metrics: MetricsService,
  ) {}

  connected(socket: TownhallSocket): void {
    socket.data.subscriptions = new Set();
    socket.data.watching = new Set();
    this.limits.limitEvents(socket);
    const user = socket.data.user;
    if (user) {
      void socket.join(userRoom(user.id));
      if (user.role !== 'reader' && !user.banned) void socket.join(MODERATORS_ROOM);
    }
    this.metrics.socketsConnected.inc();
  }

  disconnected(socket: TownhallSocket): void {
    if (socket.data.expiryTimer) clearTimeout(socket.data.expiryTimer);
    this.metrics.socketsConnected.dec();
  }
}
