/**
 * count.js's live part, loaded by it as a module once the badges are filled: watches the
 * articles over Socket.IO (`watch`, then `count` events), at most MAX_WATCHED per socket.
 */
import { io, type Socket } from 'socket.io-client';
import {
  type ClientToServerEvents,
  MAX_WATCHED,
  type ServerToClientEvents,
} from '../../../realtime/contract';

export function watch(
  origin: string,
  siteId: string,
  ids: string[],
  show: (externalId: string, count: number) => void,
): void {
  for (let i = 0; i < ids.length; i += MAX_WATCHED) {
    const externalIds = ids.slice(i, i + MAX_WATCHED);
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(origin, {
      transports: ['websocket', 'polling'],
    });
    // again after every reconnection: the counts may have changed meanwhile
    socket.on('connect', () => {
      socket.emit('watch', { siteId, externalIds }, (ack) => {
        if (!ack.ok) return console.error('Townhall count.js:', ack.error.message);
        for (const [id, counts] of Object.entries(ack.counts)) show(id, counts.commentCount);
      });
    });
    socket.on('count', (event) => {
      if (event.siteId === siteId) show(event.externalId, event.commentCount);
    });
  }
}
