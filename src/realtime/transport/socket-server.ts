import { Injectable } from '@nestjs/common';
import { MetricsService } from '../../metrics/metrics.service';
import type { ServerToClientEvents } from '../contract';
import type { TownhallServer, TownhallSocket } from './socket-types';

type Payload<K extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[K]>[0];

/**
 * This instance's Socket.IO server, for the services that emit: set by the gateway when the
 * server starts. Every emit is local: each instance emits to its own sockets, and the event
 * relay has brought each event to every instance.
 */
@Injectable()
export class SocketServer {
  private server: TownhallServer | null = null;

  constructor(private readonly metrics: MetricsService) {}

  attach(server: TownhallServer): void {
    this.server = server;
  }

  get attached(): TownhallServer | null {
    return this.server;
  }

  /** One emit to every socket of `room` on this instance. */
  emit<K extends keyof ServerToClientEvents>(room: string, event: K, payload: Payload<K>): void {
    if (!this.server) return;
    (this.server.to(room).emit as (e: K, p: Payload<K>) => boolean)(event, payload);
    this.metrics.eventsSent.inc({ type: event });
  }

  /** This instance's sockets in `room`. */
  socketsIn(room: string): TownhallSocket[] {
    const namespace = this.server?.sockets;
    const sockets: TownhallSocket[] = [];
    for (const id of namespace?.adapter.rooms.get(room) ?? []) {
      const socket = namespace?.sockets.get(id);
      if (socket) sockets.push(socket);
    }
    return sockets;
  }
}
