import { PacketType } from 'socket.io-parser';
import type { TownhallServer, TownhallSocket } from './socket-types';

/** One room emit waiting for the end of the tick. */
interface Queued {
  room: string;
  event: string;
  payload: unknown;
}

/** What of engine.io's socket this writes through (engine.io 6 `Socket`, not in its types). */
interface EngineConn {
  write(data: string, options: { wsPreEncodedFrame?: Buffer[] }): void;
  transport: { name: string; socket?: { _sender?: { sendFrame?: unknown } } };
}

/**
 * The room emits of one tick, sent when it ends (setImmediate), in the order they were made.
 * A tick with one emit is a plain `io.to(room).emit`, as before. When a tick has several (a
 * tally, a comment, scores: a busy article, or relay messages read together), every socket
 * gets all of its frames in one socket write instead of one write per event: each event is
 * encoded once, its WebSocket frame built once, and a socket's frames handed to engine.io as
 * one pre-encoded frame (the way socket.io's own adapter hands it one frame per broadcast).
 * A write, not a frame, is what costs: a `writev`, its request object and Node's async hooks
 * on it. Each socket receives exactly the events of its rooms in emit order; sockets on
 * long-polling (or anywhere engine.io would not send a pre-encoded frame) get the same events
 * as separate packets.
 *
 * Someone joining a room must not get an event emitted before it joined (its ack already
 * counts it): `flush()` first, as SocketServer.join does.
 */
export class TickEmits {
  private queue: Queued[] = [];
  private immediate: NodeJS.Immediate | null = null;

  /** `batched(n)`: n emits went out together (for /metrics). */
  constructor(
    private readonly server: () => TownhallServer | null,
    private readonly batched: (count: number) => void = () => undefined,
  ) {}

  push(room: string, event: string, payload: unknown): void {
    this.queue.push({ room, event, payload });
    this.immediate ??= setImmediate(() => this.flush());
  }

  /** Sends what waits, now. */
  flush(): void {
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
    const queue = this.queue;
    if (queue.length === 0) return;
    this.queue = [];
    const server = this.server();
    if (!server) return;
    if (queue.length === 1) {
      emitNow(server, queue[0]!);
      return;
    }
    const encoded = queue.map(({ event, payload }) => encodeOnce(server, event, payload));
    if (encoded.some((text) => text === null)) {
      // binary payloads (none in the contract): emit one by one
      for (const item of queue) emitNow(server, item);
      return;
    }
    writeTogether(server, queue, encoded as string[]);
    this.batched(queue.length);
  }
}

/** A plain room emit (socket.io encodes it once and writes it to each socket). */
function emitNow(server: TownhallServer, { room, event, payload }: Queued): void {
  (server.to(room).emit as (event: string, payload: unknown) => boolean)(event, payload);
}

/** The Socket.IO text of an event packet, or null when it would not be one text (binary). */
function encodeOnce(server: TownhallServer, event: string, payload: unknown): string | null {
  const packets = server.encoder.encode({
    type: PacketType.EVENT,
    data: [event, payload],
    nsp: '/',
  });
  return packets.length === 1 && typeof packets[0] === 'string' ? packets[0] : null;
}

/** Each socket of the tick's rooms: its events, in order, in one write. */
function writeTogether(server: TownhallServer, queue: Queued[], encoded: string[]): void {
  const namespace = server.sockets;
  const rooms = namespace.adapter.rooms;
  const frames = encoded.map((text) => wsFrame(Buffer.from(`4${text}`)));
  const deflate = Boolean(server.engine.opts.perMessageDeflate);
  const room = queue[0]!.room;
  if (queue.every((item) => item.room === room)) {
    // the usual case: one busy room, every socket the same frames
    const all = [Buffer.concat(frames)];
    const indexes = encoded.map((_, i) => i);
    for (const id of rooms.get(room) ?? []) {
      const socket = namespace.sockets.get(id);
      if (socket) write(socket, all, indexes, encoded, deflate);
    }
    return;
  }
  // several rooms: a socket in more than one gets the events of its rooms, still in order
  const perSocket = new Map<string, number[]>();
  queue.forEach((item, index) => {
    for (const id of rooms.get(item.room) ?? []) {
      const list = perSocket.get(id);
      if (list) list.push(index);
      else perSocket.set(id, [index]);
    }
  });
  const joined = new Map<string, Buffer[]>();
  for (const [id, indexes] of perSocket) {
    const socket = namespace.sockets.get(id);
    if (!socket) continue;
    const key = indexes.join(',');
    let together = joined.get(key);
    if (!together) {
      together = [Buffer.concat(indexes.map((i) => frames[i]!))];
      joined.set(key, together);
    }
    write(socket, together, indexes, encoded, deflate);
  }
}

/** One pre-encoded write when engine.io will send it as is, else one packet per event. */
function write(
  socket: TownhallSocket,
  together: Buffer[],
  indexes: number[],
  encoded: string[],
  deflate: boolean,
): void {
  const conn = socket.client.conn as unknown as EngineConn;
  const transport = conn.transport;
  // engine.io sends wsPreEncodedFrame only on a websocket without permessage-deflate whose
  // ws sender has sendFrame (WebSocket._canSendPreEncodedFrame); otherwise it would send the
  // text of the first event alone
  if (
    !deflate &&
    transport.name === 'websocket' &&
    typeof transport.socket?._sender?.sendFrame === 'function'
  ) {
    conn.write(encoded[indexes[0]!]!, { wsPreEncodedFrame: together });
  } else {
    for (const i of indexes) conn.write(encoded[i]!, {});
  }
}

/** An unmasked, final WebSocket text frame of `data` (RFC 6455 §5.2), header then payload. */
export function wsFrame(data: Buffer): Buffer {
  const length = data.length;
  let header: Buffer;
  if (length < 126) {
    header = Buffer.from([0x81, length]);
  } else if (length < 65_536) {
    header = Buffer.allocUnsafe(4);
    header[0] = 0x81;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.allocUnsafe(10);
    header[0] = 0x81;
    header[1] = 127;
    header.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    header.writeUInt32BE(length >>> 0, 6);
  }
  return Buffer.concat([header, data]);
}
