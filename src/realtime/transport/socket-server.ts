import { Injectable } from '@nestjs/common';
import { MetricsService } from '../../metrics/metrics.service';
import type { ServerToClientEvents } from '../contract';
import type { TownhallServer, TownhallSocket } from './socket-types';
import { TickEmits } from './tick-emits';

type Payload<K extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[K]>[0];

/**
 * This instance's Socket.IO server, for the services that emit: set by the gateway when the
 * server starts. Every emit is local: each instance emits to its own sockets, and the event
 * relay has brought each event to every instance. Room emits go out at the end of the tick,
 * several of one tick in one socket write each (TickEmits); joins go through `join`, which
 * sends what waits first, so a socket never gets an event from before it joined.
 */
@Injectable()
export class SocketServer {
  private server: TownhallServer | null = null;
  private readonly tick: TickEmits;

  constructor(private readonly metrics: MetricsService) {
    this.tick = new TickEmits(
      () => this.server,
      (count) => metrics.eventsBatched.inc(count),
    );
  }

  attach(server: TownhallServer): void {
    this.server = server;
  }

  get attached(): TownhallServer | null {
    return this.server;
  }

  /** One emit to every socket of `room` on this instance, at the end of this tick. */
  emit<K extends keyof ServerToClientEvents>(room: string, event: K, payload: Payload<K>): void {
    if (!this.server) return;
    this.tick.push(room, event, payload);
    this.metrics.eventsSent.inc({ type: event });
  }

  /** Sends the room emits waiting for the end of the tick now (before a socket emits itself). */
  flush(): void {
    this.tick.flush();
  }

  /** `socket` joins `room` after the emits made before have gone to the room without it. */
  join(socket: TownhallSocket, room: string): void {
    this.tick.flush();
    void socket.join(room);
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
