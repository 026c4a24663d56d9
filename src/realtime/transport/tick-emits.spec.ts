import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io, type Socket as ClientSocket } from 'socket.io-client';
import type { TownhallServer, TownhallSocket } from './socket-types';
import { TickEmits, wsFrame } from './tick-emits';

/** A real socket.io server on an ephemeral port, its sockets by the client's `name`. */
async function startServer() {
  const http: HttpServer = createServer();
  const server = new Server(http) as unknown as TownhallServer;
  const sockets = new Map<string, TownhallSocket>();
  server.on('connection', (socket) => {
    sockets.set(String(socket.handshake.query.name), socket);
  });
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    server,
    sockets,
    url,
    close: () => server.close(),
  };
}

type Received = [string, unknown][];

/** A real client; every event it receives, in order. */
async function client(
  url: string,
  name: string,
  transports: ('websocket' | 'polling')[] = ['websocket'],
): Promise<{ socket: ClientSocket; received: Received }> {
  const socket = io(url, { transports, forceNew: true, reconnection: false, query: { name } });
  const received: Received = [];
  socket.onAny((event: string, payload: unknown) => received.push([event, payload]));
  await new Promise<void>((done, fail) => {
    socket.once('connect', () => done());
    socket.once('connect_error', fail);
  });
  return { socket, received };
}

/** Counts the writes (stream `write` calls) on a server socket's TCP connection. */
function countWrites(socket: TownhallSocket): { count: number } {
  const conn = socket.client.conn as unknown as {
    transport: { socket: { _socket: { write: (...args: unknown[]) => boolean } } };
  };
  const tcp = conn.transport.socket._socket;
  const counter = { count: 0 };
  const write = tcp.write.bind(tcp);
  tcp.write = (...args: unknown[]) => {
    counter.count++;
    return write(...args);
  };
  return counter;
}

const until = async (check: () => boolean, timeoutMs = 5_000): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('TickEmits', () => {
  let running: Awaited<ReturnType<typeof startServer>>;
  const clients: ClientSocket[] = [];

  beforeEach(async () => {
    running = await startServer();
  });
  afterEach(async () => {
    for (const socket of clients.splice(0)) socket.close();
    await running.close();
  });

  async function joined(name: string, rooms: string[], transports?: ('websocket' | 'polling')[]) {
    const made = await client(running.url, name, transports);
    clients.push(made.socket);
    await until(() => running.sockets.has(name));
    const socket = running.sockets.get(name)!;
    for (const room of rooms) await socket.join(room);
    return { ...made, server: socket };
  }

  it('sends the emits of one tick to a room in order, each socket in one write', async () => {
    const a = await joined('a', ['article:1']);
    const b = await joined('b', ['article:1']);
    const writes = [countWrites(a.server), countWrites(b.server)];
    const batched: number[] = [];
    const tick = new TickEmits(
      () => running.server,
      (count) => batched.push(count),
    );
    tick.push('article:1', 'tally', { version: 1 });
    tick.push('article:1', 'comment.created', { seq: 7 });
    tick.push('article:1', 'comment.score', { commentId: 'c', score: { up: 1, down: 0 } });
    tick.push('article:1', 'tally', { version: 2 });
    expect(a.received).toEqual([]);
    await until(() => a.received.length === 4 && b.received.length === 4);
    const expected: Received = [
      ['tally', { version: 1 }],
      ['comment.created', { seq: 7 }],
      ['comment.score', { commentId: 'c', score: { up: 1, down: 0 } }],
      ['tally', { version: 2 }],
    ];
    expect(a.received).toEqual(expected);
    expect(b.received).toEqual(expected);
    expect(writes.map((w) => w.count)).toEqual([1, 1]);
    expect(batched).toEqual([4]);
  });

  it('keeps the order of a socket in several rooms, and gives each socket only its rooms', async () => {
    const both = await joined('both', ['article:1', 'article:2']);
    const one = await joined('one', ['article:1']);
    const two = await joined('two', ['article:2']);
    const writes = countWrites(both.server);
    const tick = new TickEmits(() => running.server);
    tick.push('article:1', 'tally', { n: 1 });
    tick.push('article:2', 'tally', { n: 2 });
    tick.push('article:1', 'tally', { n: 3 });
    tick.push('article:3', 'tally', { n: 4 });
    await until(() => both.received.length === 3 && one.received.length === 2);
    await until(() => two.received.length === 1);
    expect(both.received.map(([, p]) => p)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(one.received.map(([, p]) => p)).toEqual([{ n: 1 }, { n: 3 }]);
    expect(two.received.map(([, p]) => p)).toEqual([{ n: 2 }]);
    expect(writes.count).toBe(1);
  });

  it('sends the same events, in order, to a long-polling socket', async () => {
    const polling = await joined('polling', ['article:1'], ['polling']);
    const ws = await joined('ws', ['article:1']);
    const tick = new TickEmits(() => running.server);
    for (let n = 1; n <= 5; n++) tick.push('article:1', 'tally', { n });
    await until(() => polling.received.length === 5 && ws.received.length === 5);
    expect(polling.received.map(([, p]) => p)).toEqual([1, 2, 3, 4, 5].map((n) => ({ n })));
    expect(ws.received).toEqual(polling.received);
  });

  it('frames payloads of every WebSocket length class (7-bit, 16-bit and 64-bit lengths)', async () => {
    const a = await joined('a', ['article:1']);
    const tick = new TickEmits(() => running.server);
    const sizes = [10, 200, 70_000];
    for (const size of sizes) tick.push('article:1', 'comment.created', { body: 'x'.repeat(size) });
    await until(() => a.received.length === 3);
    expect(a.received.map(([, p]) => (p as { body: string }).body.length)).toEqual(sizes);
    expect(wsFrame(Buffer.alloc(125)).subarray(0, 2)).toEqual(Buffer.from([0x81, 125]));
    expect(wsFrame(Buffer.alloc(126)).subarray(0, 4)).toEqual(Buffer.from([0x81, 126, 0, 126]));
  });

  it('flush() sends what waits before a socket joins: it never gets an event from before', async () => {
    const member = await joined('member', ['article:1']);
    const late = await joined('late', []);
    const tick = new TickEmits(() => running.server);
    tick.push('article:1', 'tally', { version: 1 });
    tick.flush();
    await late.server.join('article:1');
    tick.push('article:1', 'tally', { version: 2 });
    await until(() => member.received.length === 2 && late.received.length === 1);
    expect(late.received).toEqual([['tally', { version: 2 }]]);
    expect(member.received.map(([, p]) => p)).toEqual([{ version: 1 }, { version: 2 }]);
  });

  it('sends a lone emit of a tick as a plain room emit', async () => {
    const a = await joined('a', ['article:1']);
    const batched: number[] = [];
    const tick = new TickEmits(
      () => running.server,
      (count) => batched.push(count),
    );
    tick.push('article:1', 'presence', { readers: 3 });
    await until(() => a.received.length === 1);
    tick.push('article:1', 'presence', { readers: 4 });
    await until(() => a.received.length === 2);
    expect(a.received.map(([, p]) => p)).toEqual([{ readers: 3 }, { readers: 4 }]);
    expect(batched).toEqual([]);
  });
});
