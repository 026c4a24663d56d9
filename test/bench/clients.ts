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

/** A raw socket whose namespace is connected but which has not subscribed (yet). */
export interface OpenSocket {
  /**
   * `subscribe` {articleId, since?}; resolves with the ack (its `missed` events included) and
   * its receipt time. Later events go to the sink given to `openRaw`.
   */
  subscribe(
    articleId: string,
    since: number | undefined,
    timeoutMs: number,
  ): Promise<{ ack: Ack<SubscribeResult>; at: number }>;
  close(): void;
}

/**
 * Connects one raw socket (as `connectRaw`) and resolves once its namespace is connected,
 * without subscribing: for scenarios that time the subscribe itself (e.g. a `since` replay).
 */
export function openRaw(baseUrl: string, sink: EventSink, timeoutMs: number): Promise<OpenSocket> {
  const url = new URL('/socket.io/?EIO=4&transport=websocket', baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(url, { perMessageDeflate: false });
  let closedByUs = false;
  let open = false;
  let nextAckId = 0;
  const acks = new Map<number, (frame: string, at: number) => void>();

  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`not connected within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const fail = (error: Error): void => {
      clearTimeout(timer);
      closedByUs = true;
      ws.terminate();
      reject(error);
    };
    const handle: OpenSocket = {
      subscribe: (articleId, since, subscribeTimeoutMs) =>
        new Promise((resolveAck, rejectAck) => {
          const id = nextAckId++;
          const ackTimer = setTimeout(() => {
            acks.delete(id);
            rejectAck(new Error(`no subscribe ack within ${subscribeTimeoutMs} ms`));
          }, subscribeTimeoutMs);
          acks.set(id, (frame, at) => {
            clearTimeout(ackTimer);
            resolveAck({ ack: parseAck(frame), at });
          });
          const body = since === undefined ? { articleId } : { articleId, since };
          ws.send(`42${id}${JSON.stringify(['subscribe', body])}`);
        }),
      close: () => {
        closedByUs = true;
        if (ws.readyState === WebSocket.OPEN) ws.send('41');
        ws.close();
      },
    };
    ws.on('error', (error) => {
      if (!open) fail(error);
    });
    ws.on('close', (code) => {
      if (!open) fail(new Error(`closed before connecting (${code})`));
      else if (!closedByUs) sink.lost(`websocket closed (${code})`);
    });
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) return;
      const frame = data.toString();
      const at = performance.now();
      if (frame === '2') return void ws.send('3');
      if (frame[0] === '0') return void ws.send('40');
      if (frame[0] !== '4') return;
      if (frame[1] === '0') {
        if (open) return;
        open = true;
        clearTimeout(timer);
        resolve(handle);
      } else if (frame[1] === '4') {
        fail(new Error(`connect_error ${frame.slice(2)}`));
      } else if (frame[1] === '1') {
        if (!closedByUs) sink.lost('namespace disconnect');
      } else if (frame[1] === '3') {
        const start = frame.indexOf('[');
        const id = Number(frame.slice(2, start));
        const settle = acks.get(id);
        acks.delete(id);
        settle?.(frame.slice(start), at);
      } else if (frame[1] === '2') {
        dispatch(parseShared(frame.slice(2)) as [string, unknown], sink, at);
      }
    });
  });
}

/**
 * Subscribe acks of many sockets at once differ only in `readers` (a replay of the same events
 * is the same text): each distinct text is parsed once, so the bench's own CPU stays out of a
 * catch-up measurement. The parsed ack is shared, read-only, apart from its own `readers`.
 */
let lastAckKey = '';
let lastAck: Ack<SubscribeResult> | null = null;
function parseAck(frame: string): Ack<SubscribeResult> {
  const readers = /"readers":(\d+),/.exec(frame);
  const key = readers ? frame.replace(readers[0], '') : frame;
  if (key !== lastAckKey || !lastAck) {
    lastAck = (JSON.parse(frame) as [Ack<SubscribeResult>])[0];
    lastAckKey = key;
  }
  return lastAck.ok && readers ? { ...lastAck, readers: Number(readers[1]) } : lastAck;
}
