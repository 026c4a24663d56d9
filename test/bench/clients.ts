import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import type {
  Ack,
  ClientToServerEvents,
  CommentCreatedEvent,
  ServerToClientEvents,
  SubscribeResult,
  TallyEvent,
} from '../../src/realtime/contract';

/** Where a bench socket reports what it receives; `at` is `performance.now()` on receipt. */
export interface EventSink {
  comment(event: CommentCreatedEvent, at: number): void;
  tally(event: TallyEvent, at: number): void;
  presence(): void;
  /** The connection ended without the bench closing it. */
  lost(reason: string): void;
}

export interface BenchSocket {
  /** The subscribe acknowledgement. */
  readonly subscribed: { ok: true } & SubscribeResult;
  close(): void;
}

export type ClientKind = 'raw' | 'official';

/**
 * Connects one socket to `baseUrl` (`http://host:port`) as an anonymous reader, subscribes it to
 * `articleId` and resolves once the ack says ok; rejects on an error or after `timeoutMs`.
 */
export type Connector = (
  baseUrl: string,
  articleId: string,
  sink: EventSink,
  timeoutMs: number,
) => Promise<BenchSocket>;

export const connectors: Record<ClientKind, Connector> = {
  raw: connectRaw,
  official: connectOfficial,
};

/**
 * The socket.io broadcasts reach every socket as the same text: parsing each distinct frame once
 * keeps the bench's own CPU out of the measurement (the parsed value is shared, read-only).
 */
let lastFrame = '';
let lastParsed: unknown = null;
function parseShared(json: string): unknown {
  if (json !== lastFrame) {
    lastParsed = JSON.parse(json);
    lastFrame = json;
  }
  return lastParsed;
}

/**
 * Engine.IO v4 / Socket.IO v5 spoken directly over `ws` (WebSocket transport only, default
 * namespace): `0{open}` → `40` → `40{sid}` → `420["subscribe",…]` → `430[ack]`; pings ("2")
 * are answered with "3"; events arrive as `42["name",payload]`.
 */
function connectRaw(
  baseUrl: string,
  articleId: string,
  sink: EventSink,
  timeoutMs: number,
): Promise<BenchSocket> {
  const url = new URL('/socket.io/?EIO=4&transport=websocket', baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(url, { perMessageDeflate: false });
  let closedByUs = false;
  let subscribed: BenchSocket['subscribed'] | null = null;

  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`not subscribed within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const fail = (error: Error): void => {
      clearTimeout(timer);
      closedByUs = true;
      ws.terminate();
      reject(error);
    };
    const handle: BenchSocket = {
      get subscribed() {
        if (!subscribed) throw new Error('not subscribed');
        return subscribed;
      },
      close: () => {
        closedByUs = true;
        if (ws.readyState === WebSocket.OPEN) ws.send('41');
        ws.close();
      },
    };

    ws.on('error', (error) => {
      if (!subscribed) fail(error);
    });
    ws.on('close', (code) => {
      if (!subscribed) fail(new Error(`closed before subscribing (${code})`));
      else if (!closedByUs) sink.lost(`websocket closed (${code})`);
    });
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) return;
      const frame = data.toString();
      const at = performance.now();
      switch (frame[0]) {
        case '0': // Engine.IO open: connect the default namespace (no auth: an anonymous reader)
          ws.send('40');
          return;
        case '2': // ping
          ws.send('3');
          return;
        case '1': // close
          ws.close();
          return;
        case '4':
          break;
        default: // "6" noop and anything else
          return;
      }
      switch (frame[1]) {
        case '0': // namespace connected
          ws.send(`420${JSON.stringify(['subscribe', { articleId }])}`);
          return;
        case '4':
          fail(new Error(`connect_error ${frame.slice(2)}`));
          return;
        case '1':
          if (subscribed && !closedByUs) sink.lost('namespace disconnect');
          return;
        case '3': {
          // ack of id 0: `430[…]`
          if (subscribed || !frame.startsWith('430[')) return;
          const [ack] = JSON.parse(frame.slice(3)) as [Ack<SubscribeResult>];
          if (!ack.ok) {
            fail(new Error(`subscribe refused: ${ack.error.code} ${ack.error.message}`));
            return;
          }
          clearTimeout(timer);
          subscribed = ack;
          resolve(handle);
          return;
        }
        case '2':
          dispatch(parseShared(frame.slice(2)) as [string, unknown], sink, at);
          return;
        default:
          return;
      }
    });
  });
}

function dispatch([name, payload]: [string, unknown], sink: EventSink, at: number): void {
  if (name === 'comment.created') sink.comment(payload as CommentCreatedEvent, at);
  else if (name === 'tally') sink.tally(payload as TallyEvent, at);
  else if (name === 'presence') sink.presence();
}

/** The official socket.io-client, WebSocket transport only (slower: for comparison). */
function connectOfficial(
  baseUrl: string,
  articleId: string,
  sink: EventSink,
  timeoutMs: number,
): Promise<BenchSocket> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(baseUrl, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: timeoutMs,
  });
  let closedByUs = false;
  let subscribed: BenchSocket['subscribed'] | null = null;

  socket.on('comment.created', (event) => sink.comment(event, performance.now()));
  socket.on('tally', (event) => sink.tally(event, performance.now()));
  socket.on('presence', () => sink.presence());
  socket.on('disconnect', (reason) => {
    if (subscribed && !closedByUs) sink.lost(reason);
  });

  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`not subscribed within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const fail = (error: Error): void => {
      clearTimeout(timer);
      closedByUs = true;
      socket.close();
      reject(error);
    };
    socket.once('connect_error', (error) => fail(error));
    socket.once('connect', () => {
      socket
        .timeout(timeoutMs)
        .emitWithAck('subscribe', { articleId })
        .then((ack) => {
          if (!ack.ok) throw new Error(`subscribe refused: ${ack.error.code} ${ack.error.message}`);
          clearTimeout(timer);
          subscribed = ack;
          resolve({
            subscribed: ack,
            close: () => {
              closedByUs = true;
              socket.close();
            },
          });
        })
        .catch((error: unknown) => fail(error as Error));
    });
  });
}
