/**
 * The replay budget (ReplayBudget): bytes of subscribe acks carrying `missed` events count per
 * socket, per client address and per instance until the connection has written them; a
 * subscribe with `since` over a spent budget gets `rate_limited` before anything is read, and is
 * served again once the bytes are out. A reader that stops reading is a long-polling client
 * that sends no next poll: its ack waits in the server's write buffer (over a WebSocket the
 * kernel's buffers would take megabytes first).
 */
import { performance } from 'node:perf_hooks';
import type { Ack, SubscribeResult } from '../src/realtime/contract';
import { MAX_WAITING_TURNS } from '../src/realtime/feed/subscriptions.service';
import { ReplayBudget } from '../src/realtime/transport/replay-budget.service';
import { createArticle, loginAdmin, postComment, registerUser } from './support/factories';
import { RawClient } from './support/raw-socket';
import { startTestApp, type TestApp } from './support/test-app';
import { until } from './support/until';

const COMMENTS = 400;
const BODY = 'x'.repeat(4_990);
/** Far more than the kernel takes for a reader that does not read: the ack stays queued. */
const REPLAY_BYTES_AT_LEAST = COMMENTS * BODY.length;

/** A Socket.IO client over HTTP long-polling that polls only when told to. */
class PollingClient {
  private nextId = 0;

  private constructor(private readonly url: string) {}

  static async open(base: string): Promise<PollingClient> {
    const handshake = await (await fetch(`${base}/socket.io/?EIO=4&transport=polling`)).text();
    const { sid } = JSON.parse(handshake.slice(1)) as { sid: string };
    const client = new PollingClient(`${base}/socket.io/?EIO=4&transport=polling&sid=${sid}`);
    await client.send('40');
    const connected = await client.poll();
    if (!connected.some((packet) => packet.startsWith('40'))) {
      throw new Error(`namespace not connected: ${connected.join(' ')}`);
    }
    return client;
  }

  /** Sends a subscribe; its ack comes with a later poll. */
  subscribe(articleId: string, since?: number): Promise<void> {
    return this.send(`42${this.nextId++}${JSON.stringify(['subscribe', { articleId, since }])}`);
  }

  /** One poll: the packets the server had queued (waits for one if none). */
  async poll(): Promise<string[]> {
    return (await (await fetch(this.url)).text()).split('\x1e');
  }

  /** Polls until an ack arrives; the acks, parsed. */
  async acks(): Promise<Ack<SubscribeResult>[]> {
    for (;;) {
      const acks = (await this.poll())
        .filter((packet) => packet.startsWith('43'))
        .map(
          (packet) => (JSON.parse(packet.slice(packet.indexOf('['))) as [Ack<SubscribeResult>])[0],
        );
      if (acks.length > 0) return acks;
    }
  }

  /** Sends the close packet: the server ends the session at once. */
  close(): Promise<void> {
    return this.send('1');
  }

  private async send(packet: string): Promise<void> {
    const res = await fetch(this.url, { method: 'POST', body: packet });
    await res.text();
    if (!res.ok) throw new Error(`POST ${packet.slice(0, 20)}: ${res.status}`);
  }
}

describe('replay budget: bytes in flight', () => {
  let t: TestApp;
  let articleId: string;
  let otherArticleId: string;
  let inFlight: () => number;
  const clients: RawClient[] = [];
  const open = async (): Promise<RawClient> => {
    const client = await RawClient.open(t.url);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    t = await startTestApp(
      {
        SOCKET_REPLAY_BYTES: String(64 * 1024),
        SOCKET_REPLAY_BYTES_PER_IP: String(64 * 1024),
        SOCKET_REPLAY_BYTES_TOTAL: String(1024 * 1024 * 1024),
        SOCKET_REPLAY_RATE_PER_IP: String(2 ** 34),
        // the paused reader is the point here, not a slow consumer to close
        SOCKET_MAX_BUFFERED_BYTES: String(1024 * 1024 * 1024),
      },
      { listen: true },
    );
    const admin = await loginAdmin(t.http);
    articleId = await createArticle(t.http, admin);
    otherArticleId = await createArticle(t.http, admin);
    const author = await registerUser(t.http);
    for (let i = 0; i < COMMENTS; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, k) =>
          postComment(t.http, author, articleId, `${i + k} ${BODY}`).expect(201),
        ),
      );
    }
    await postComment(t.http, author, otherArticleId, 'one comment').expect(201);
    const budget = t.app.get(ReplayBudget);
    inFlight = () => budget.bytesInFlight;
  }, 120_000);
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(() => t.close());

  it('refuses a second replay from the same socket while the first is still being written', async () => {
    const client = await open();
    const [first, second] = await Promise.all([
      client.subscribe(articleId, 0),
      client.subscribe(otherArticleId, 0),
    ]);
    expect(first.ok && first.missed.length).toBe(COMMENTS);
    expect(second).toEqual({
      ok: false,
      error: { code: 'rate_limited', message: expect.stringContaining('socket') },
    });
    await until('the replay to be written', () => inFlight() === 0);
    const again = await client.subscribe(otherArticleId, 0);
    expect(again.ok && again.missed.map((event) => event.seq)).toEqual([1]);
  });

  it('answers subscribes past MAX_WAITING_TURNS waiting on one socket with rate_limited at once', async () => {
    const client = await open();
    const acks = await Promise.all(
      Array.from({ length: MAX_WAITING_TURNS + 20 }, () => client.subscribe(otherArticleId)),
    );
    const served = acks.filter((ack) => ack.ok);
    const refused = acks.filter((ack) => !ack.ok);
    expect(served).toHaveLength(MAX_WAITING_TURNS);
    expect(refused).toHaveLength(20);
    for (const ack of refused) {
      expect(ack).toEqual({
        ok: false,
        error: { code: 'rate_limited', message: expect.stringContaining('waiting') },
      });
    }
    // answered, the queue is free again
    expect((await client.subscribe(otherArticleId)).ok).toBe(true);
  });

  it('holds a reader that stops reading against its address, and serves it once the bytes are out', async () => {
    const stalled = await PollingClient.open(t.url);
    await stalled.subscribe(articleId, 0);
    await until('the replay to be queued', () => inFlight() >= REPLAY_BYTES_AT_LEAST);

    const neighbour = await open();
    const refused = await neighbour.subscribe(otherArticleId, 0);
    expect(refused).toEqual({
      ok: false,
      error: { code: 'rate_limited', message: expect.stringContaining('address') },
    });
    // a subscribe without since replays nothing and is not held
    const plain = await neighbour.subscribe(otherArticleId);
    expect(plain.ok).toBe(true);
    expect(inFlight()).toBeGreaterThanOrEqual(REPLAY_BYTES_AT_LEAST);

    const [ack] = await stalled.acks();
    expect(ack!.ok && ack!.missed.length).toBe(COMMENTS);
    const polling = stalled.poll(); // the next poll: the ack is out
    await until('the replay to be written', () => inFlight() === 0);
    const served = await neighbour.subscribe(otherArticleId, 0);
    expect(served.ok && served.missed.map((event) => event.seq)).toEqual([1]);
    await stalled.close();
    await polling;
  });

  it('gives the budget back when a stalled reader disconnects', async () => {
    const stalled = await PollingClient.open(t.url);
    await stalled.subscribe(articleId, 0);
    await until('the replay to be queued', () => inFlight() >= REPLAY_BYTES_AT_LEAST);
    await stalled.close();
    await until('the budget to be given back', () => inFlight() === 0);
    const next = await open();
    const served = await next.subscribe(articleId, COMMENTS - 2);
    expect(served.ok && served.missed.map((event) => event.seq)).toEqual([COMMENTS - 1, COMMENTS]);
  });
});

describe('replay budget: bytes per second per address', () => {
  const RATE = 700 * 1024;
  let t: TestApp;
  let articleId: string;
  let client: RawClient;

  beforeAll(async () => {
    t = await startTestApp({ SOCKET_REPLAY_RATE_PER_IP: String(RATE) }, { listen: true });
    const admin = await loginAdmin(t.http);
    articleId = await createArticle(t.http, admin);
    const author = await registerUser(t.http);
    for (let i = 0; i < COMMENTS; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, k) =>
          postComment(t.http, author, articleId, `${i + k} ${BODY}`).expect(201),
        ),
      );
    }
    client = await RawClient.open(t.url);
  }, 120_000);
  afterAll(async () => {
    client.close();
    await t.close();
  });

  it('refuses replays from an address that took more than its rate, until the debt is paid', async () => {
    const first = await client.subscribe(articleId, 0);
    expect(first.ok && first.missed.length).toBe(COMMENTS);
    // ~2 MB taken against a burst of 700 KiB: about two seconds of debt
    const refused = await client.subscribe(articleId, 0);
    expect(refused).toEqual({
      ok: false,
      error: { code: 'rate_limited', message: expect.stringContaining('address rate') },
    });
    const waitedFrom = performance.now();
    let again = await client.subscribe(articleId, COMMENTS - 1);
    while (!again.ok && performance.now() - waitedFrom < 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      again = await client.subscribe(articleId, COMMENTS - 1);
    }
    expect(again.ok && again.missed.map((event) => event.seq)).toEqual([COMMENTS]);
    expect(performance.now() - waitedFrom).toBeGreaterThan(1_000);
  });
});
