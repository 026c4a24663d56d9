import type { Socket } from 'socket.io-client';
import request from 'supertest';
import WebSocket from 'ws';
import type { Ack, CommentCreatedEvent, SubscribeResult } from '../src/realtime/contract';
import { ABUSE_REFUSALS } from '../src/realtime/transport/socket-limits.service';
import { createArticle, loginAdmin, postComment, type TestUser } from './support/factories';
import { connect, nextEvent, subscribe, type TestSocket } from './support/socket-clients';
import { startTestApp, type TestApp } from './support/test-app';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
/** How long a socket must stay quiet before we say an event did not reach it. */
const QUIET_MS = 300;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Connects, retrying refusals until `timeoutMs` has passed. */
async function connectWithin(url: string, timeoutMs: number): Promise<TestSocket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connect(url);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(20);
    }
  }
}

function accepted(ack: Ack<SubscribeResult>): SubscribeResult & { ok: true } {
  if (!ack.ok) throw new Error(`subscribe refused: ${JSON.stringify(ack.error)}`);
  return ack;
}

function disconnected(socket: TestSocket): Promise<string> {
  return new Promise((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
}

/** Every ack of `unsubscribe` events sent back to back in one go. */
function unsubscribeBurst(socket: TestSocket, count: number): Promise<Ack[]> {
  return Promise.all(
    Array.from({ length: count }, () =>
      socket.timeout(10_000).emitWithAck('unsubscribe', { articleId: UNKNOWN_ID }),
    ),
  );
}

const RATE_LIMITED = {
  ok: false,
  error: { code: 'rate_limited', message: expect.any(String) as string },
};

/** A counter of GET /metrics, 0 when it has no sample yet. */
async function metric(t: TestApp, sample: string): Promise<number> {
  const res = await request(t.http).get('/metrics').expect(200);
  const line = res.text.split('\n').find((row) => row.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

describe('socket limits', () => {
  const sockets: TestSocket[] = [];
  async function open(
    t: TestApp,
    transport: 'websocket' | 'polling' = 'websocket',
  ): Promise<TestSocket> {
    const socket = await connect(t.url, undefined, { transports: [transport] });
    sockets.push(socket);
    return socket;
  }
  afterEach(() => {
    sockets.splice(0).forEach((socket) => socket.close());
  });

  describe('client event rate (RATE_LIMITS=on, 5/s, burst 10)', () => {
    let t: TestApp;
    let admin: TestUser;
    beforeAll(async () => {
      t = await startTestApp(
        {
          RATE_LIMITS: 'on',
          RATE_LIMIT_COMMENTS: '1000/1m',
          SOCKET_EVENT_RATE: '5/1s',
          SOCKET_EVENT_BURST: '10',
        },
        { listen: true },
      );
      admin = await loginAdmin(t.http);
    });
    afterAll(() => t?.close());

    it('refuses events over the burst with rate_limited, without acting on them, then serves again after a refill', async () => {
      const [first, second] = await Promise.all([
        createArticle(t.http, admin),
        createArticle(t.http, admin),
      ]);
      const busy = await open(t);
      const observer = await open(t);
      accepted(await subscribe(busy, { articleId: first }));
      accepted(await subscribe(observer, { articleId: second }));

      // 9 tokens left: 29 unsubscribes and a subscribe sent in one go
      const burst = unsubscribeBurst(busy, 29);
      const refusedSubscribe = subscribe(busy, { articleId: second });
      const acks = await burst;
      const served = acks.filter((ack) => ack.ok);
      expect(served.length).toBeGreaterThanOrEqual(9);
      expect(served.length).toBeLessThan(20);
      for (const ack of acks.filter((ack) => !ack.ok)) expect(ack).toEqual(RATE_LIMITED);
      expect(await refusedSubscribe).toEqual(RATE_LIMITED);
      expect(busy.connected).toBe(true);

      // the refused subscribe did not happen: only the observer hears the second article
      const busyHeard: CommentCreatedEvent[] = [];
      busy.on('comment.created', (event) => busyHeard.push(event));
      const toObserver = nextEvent(observer, 'comment.created');
      await postComment(t.http, admin, second, 'while the busy socket is refused').expect(201);
      await toObserver;
      await sleep(QUIET_MS);
      expect(busyHeard).toEqual([]);

      // a second later the bucket holds 5 again: the same subscribe is served
      await sleep(1_000);
      accepted(await subscribe(busy, { articleId: second }));
      const both = [busy, observer].map((socket) => nextEvent(socket, 'comment.created'));
      const res = await postComment(t.http, admin, second, 'after the refill').expect(201);
      for (const event of await Promise.all(both)) expect(event.comment).toEqual(res.body);
      expect(await metric(t, 'townhall_socket_events_rejected_total')).toBeGreaterThanOrEqual(11);
    });

    it('counts unknown events too', async () => {
      const socket = await open(t);
      const raw = socket as unknown as Socket;
      for (let i = 0; i < 10; i++) raw.emit('no.such.event', i);
      expect(await unsubscribeBurst(socket, 1)).toEqual([RATE_LIMITED]);
    });

    it('tells a socket that keeps sending over the limit why, then closes it, and only it', async () => {
      const articleId = await createArticle(t.http, admin);
      const abuser = await open(t);
      const observer = await open(t);
      accepted(await subscribe(abuser, { articleId }));
      accepted(await subscribe(observer, { articleId }));
      const told = nextEvent(abuser, 'connection.closed');
      const closed = disconnected(abuser);
      const dropsBefore = await metric(t, 'townhall_sockets_dropped_total{reason="rate_limited"}');

      const raw = abuser as unknown as Socket;
      for (let i = 0; i < 10 + ABUSE_REFUSALS + 20; i++) raw.emit('flood', i);

      expect(await told).toEqual({ reason: 'rate_limited', message: expect.any(String) as string });
      expect(await closed).toBe('io server disconnect');
      expect(observer.connected).toBe(true);
      expect(await metric(t, 'townhall_sockets_dropped_total{reason="rate_limited"}')).toBe(
        dropsBefore + 1,
      );
      const toObserver = nextEvent(observer, 'comment.created');
      const res = await postComment(t.http, admin, articleId, 'after the abuse').expect(201);
      expect((await toObserver).comment).toEqual(res.body);
      // the abuser may come back, with a fresh bucket
      const again = await open(t);
      accepted(await subscribe(again, { articleId }));
    });
  });

  describe('RATE_LIMITS=off', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(
        { RATE_LIMITS: 'off', SOCKET_EVENT_RATE: '5/1s', SOCKET_EVENT_BURST: '10' },
        { listen: true },
      );
    });
    afterAll(() => t?.close());

    it('limits no socket events', async () => {
      const admin = await loginAdmin(t.http);
      const articleId = await createArticle(t.http, admin);
      const busy = await open(t);
      const observer = await open(t);
      accepted(await subscribe(observer, { articleId }));

      const acks = await unsubscribeBurst(busy, 10 + ABUSE_REFUSALS + 50);
      expect(acks.every((ack) => ack.ok)).toBe(true);
      accepted(await subscribe(busy, { articleId }));
      const both = [busy, observer].map((socket) => nextEvent(socket, 'comment.created'));
      const res = await postComment(t.http, admin, articleId, 'unlimited').expect(201);
      for (const event of await Promise.all(both)) expect(event.comment).toEqual(res.body);
    });
  });

  describe('connections per IP (SOCKET_MAX_CONNECTIONS_PER_IP=3)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ SOCKET_MAX_CONNECTIONS_PER_IP: '3' }, { listen: true });
    });
    afterAll(() => t?.close());

    it('refuses a fourth connection from one address with "too many connections", and takes one again after a close', async () => {
      const admin = await loginAdmin(t.http);
      const articleId = await createArticle(t.http, admin);
      // one on long-polling: its place is held by the connection, not by the handshake request
      const three = await Promise.all([open(t), open(t), open(t, 'polling')]);
      await sleep(QUIET_MS);

      await expect(connect(t.url)).rejects.toThrow();
      await expect(connect(t.url, undefined, { transports: ['polling'] })).rejects.toThrow();
      const refused = await request(t.http)
        .get('/socket.io/')
        .query({ EIO: '4', transport: 'polling' })
        .expect(403);
      expect(refused.text).toContain('too many connections');

      // the three are served as before
      for (const socket of three) accepted(await subscribe(socket, { articleId }));
      const heard = three.map((socket) => nextEvent(socket, 'comment.created'));
      const res = await postComment(t.http, admin, articleId, 'to all three').expect(201);
      for (const event of await Promise.all(heard)) expect(event.comment).toEqual(res.body);

      // a closed one gives its place back (once the server has seen the close)
      three[0].close();
      const fourth = await connectWithin(t.url, 5_000);
      sockets.push(fourth);
      accepted(await subscribe(fourth, { articleId }));
      await expect(connect(t.url)).rejects.toThrow();
    });
  });

  describe('slow consumer (SOCKET_MAX_BUFFERED_BYTES=64 KiB)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ SOCKET_MAX_BUFFERED_BYTES: String(64 * 1024) }, { listen: true });
    });
    afterAll(() => t?.close());

    it('closes a socket that stops reading, while a reading one gets every event', async () => {
      const admin = await loginAdmin(t.http);
      const articleId = await createArticle(t.http, admin);
      const reader = await open(t);
      accepted(await subscribe(reader, { articleId }));
      const seqs: number[] = [];
      reader.on('comment.created', (event) => seqs.push(event.seq));
      const slow = await rawSubscriber(t.url, articleId);
      slow.ws.pause();
      const connectedBefore = await metric(t, 'townhall_sockets_connected');

      // ~20 KB per event (5000 emoji). Besides the live events, the slow client asks for the
      // article's whole history again each round (its writes still go through): the answers
      // are queued for it too, so the kernel's buffers (MBs on loopback) fill in few rounds.
      const body = '\u{1F600}'.repeat(5_000);
      let posted = 0;
      const dropped = async (): Promise<boolean> =>
        (await metric(t, 'townhall_sockets_dropped_total{reason="slow_consumer"}')) > 0;
      for (let round = 0; !(await dropped()); round++) {
        if (round >= 200) throw new Error(`the slow socket was not closed after ${posted} events`);
        slow.ws.send(`42${round}${JSON.stringify(['subscribe', { articleId, since: 0 }])}`);
        await Promise.all(
          Array.from({ length: 5 }, () => postComment(t.http, admin, articleId, body).expect(201)),
        );
        posted += 5;
      }
      expect(await metric(t, 'townhall_sockets_connected')).toBe(connectedBefore - 1);

      // the reading socket got every event, in order
      await waitUntil(() => seqs.length === posted, `${posted} events at the reader`, 20_000);
      expect(seqs).toEqual(Array.from({ length: posted }, (_, i) => i + 1));
      expect(reader.connected).toBe(true);

      // the slow client, reading again, finds its connection closed
      slow.ws.resume();
      await slow.closed;
    }, 60_000);
  });
});

/**
 * Engine.IO v4 / Socket.IO v5 over `ws` (see test/bench/clients.ts), so that the test can stop
 * reading the TCP socket: resolves once subscribed to `articleId`.
 */
async function rawSubscriber(
  baseUrl: string,
  articleId: string,
): Promise<{ ws: WebSocket; closed: Promise<void> }> {
  const url = new URL('/socket.io/?EIO=4&transport=websocket', baseUrl);
  url.protocol = 'ws:';
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  // a reset connection is as closed as a closed one
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('raw client not subscribed in 5 s')), 5_000);
    ws.on('message', (data: WebSocket.RawData) => {
      const frame = data.toString();
      if (frame === '2') ws.send('3');
      else if (frame.startsWith('0')) ws.send('40');
      else if (frame.startsWith('40'))
        ws.send(`420${JSON.stringify(['subscribe', { articleId }])}`);
      else if (frame.startsWith('430')) {
        clearTimeout(timer);
        const [ack] = JSON.parse(frame.slice(3)) as [Ack<SubscribeResult>];
        if (ack.ok) resolve();
        else reject(new Error(`subscribe refused: ${ack.error.code}`));
      }
    });
  });
  return { ws, closed };
}
