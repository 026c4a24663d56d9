import * as parser from 'socket.io-parser';

/** The JSON of each shared (frozen) replayed event, computed once however many acks carry it. */
const encodedEvents = new WeakMap<object, string>();

/**
 * Freezes a replayed event (and its comment) so that every ack that carries it may reuse one
 * JSON text of it: a thousand sockets resubscribing with the same `since` are sent the same
 * events, and serialising them once instead of a thousand times is most of a catch-up's CPU.
 */
export function shareEvent<T extends object>(event: T): T {
  for (const value of Object.values(event)) {
    if (value !== null && typeof value === 'object') Object.freeze(value);
  }
  return Object.freeze(event);
}

/**
 * The JSON of the last `missed` list that began with a given shared event: sockets resubscribing
 * with the same `since` get lists of the very same events, joined once.
 */
const encodedLists = new WeakMap<object, { events: unknown[]; json: string }>();

function encodeEvents(events: unknown[]): string {
  const first = events[0];
  const shared = first !== null && typeof first === 'object' && Object.isFrozen(first);
  const known = shared ? encodedLists.get(first) : undefined;
  if (known && sameItems(known.events, events)) return known.json;
  const json = `[${events.map(encodeEvent).join(',')}]`;
  if (shared) encodedLists.set(first, { events: [...events], json });
  return json;
}

/** The length of the JSON text that an ack's `missed` list is sent as (computed once, kept). */
export function encodedLength(events: unknown[]): number {
  return events.length === 0 ? 0 : encodeEvents(events).length;
}

function sameItems(a: unknown[], b: unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function encodeEvent(event: unknown): string {
  if (event === null || typeof event !== 'object' || !Object.isFrozen(event)) {
    return JSON.stringify(event);
  }
  let json = encodedEvents.get(event);
  if (json === undefined) {
    json = JSON.stringify(event);
    encodedEvents.set(event, json);
  }
  return json;
}

/**
 * socket.io's encoder, except for an acknowledgement carrying `missed` events: its text is put
 * together from each event's JSON, computed once per shared event (see shareEvent). The text
 * on the wire is what JSON.stringify would give (`missed` comes last); everything else is
 * encoded by socket.io-parser itself.
 */
export class ReplayAwareEncoder extends parser.Encoder {
  override encode(packet: parser.Packet): ReturnType<parser.Encoder['encode']> {
    const data: unknown = packet.data;
    const body =
      packet.type === parser.PacketType.ACK && Array.isArray(data) && data.length === 1
        ? data[0]
        : null;
    const missed: unknown =
      body !== null && typeof body === 'object' ? (body as { missed?: unknown }).missed : null;
    if (!Array.isArray(missed) || missed.length === 0) return super.encode(packet);
    const rest = { ...(body as Record<string, unknown>), missed: undefined };
    const head = JSON.stringify(rest);
    const events = encodeEvents(missed);
    const json =
      head === '{}' ? `{"missed":${events}}` : `${head.slice(0, -1)},"missed":${events}}`;
    let prefix = String(parser.PacketType.ACK);
    if (packet.nsp && packet.nsp !== '/') prefix += `${packet.nsp},`;
    if (packet.id !== undefined && packet.id !== null) prefix += String(packet.id);
    return [`${prefix}[${json}]`];
  }
}

/** The `parser` option of the Socket.IO server: socket.io-parser with ReplayAwareEncoder. */
export const replayAwareParser = { ...parser, Encoder: ReplayAwareEncoder };
