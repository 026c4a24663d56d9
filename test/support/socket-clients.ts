import { io, type Socket } from 'socket.io-client';
import type {
  Ack,
  ClientToServerEvents,
  ServerToClientEvents,
  SubscribeRequest,
  SubscribeResult,
} from '../../src/realtime/contract';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * A real socket.io client (WebSocket only unless `transports` says otherwise); resolves once
 * connected (rejects with the connect_error).
 */
export function connect(
  url: string,
  token?: string,
  options: { origin?: string; transports?: ('websocket' | 'polling')[] } = {},
): Promise<TestSocket> {
  const socket: TestSocket = io(url, {
    auth: token ? { token } : {},
    transports: options.transports ?? ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: options.origin ? { Origin: options.origin } : undefined,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

export function subscribe(
  socket: TestSocket,
  request: SubscribeRequest,
): Promise<Ack<SubscribeResult>> {
  return socket.timeout(10_000).emitWithAck('subscribe', request);
}

/** Collects every event of the given names, in arrival order. */
export function record(
  socket: TestSocket,
  names: (keyof ServerToClientEvents)[],
): { name: string; payload: unknown }[] {
  const seen: { name: string; payload: unknown }[] = [];
  for (const name of names)
    socket.on(name, (payload: unknown) => seen.push({ name, payload }) as never);
  return seen;
}

/** Resolves with the first `name` event that matches. */
export function nextEvent<K extends keyof ServerToClientEvents>(
  socket: TestSocket,
  name: K,
  matches: (payload: Parameters<ServerToClientEvents[K]>[0]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<Parameters<ServerToClientEvents[K]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${String(name)} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const handler = (payload: Parameters<ServerToClientEvents[K]>[0]): void => {
      if (!matches(payload)) return;
      clearTimeout(timer);
      socket.off(name, handler as never);
      resolve(payload);
    };
    socket.on(name, handler as never);
  });
}
