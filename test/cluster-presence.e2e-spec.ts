/**
 * Presence between two compiled servers (`node dist/src/main.js`, one Redis): what an instance
 * publishes is coalesced (one message a second at most, however many articles changed), an
 * instance whose first reader of articles arrives asks once and is answered once (no reply per
 * article), an idle instance sends one liveness message instead of a heartbeat per article, and
 * the readers of an instance killed with SIGKILL leave the count within the liveness timeout.
 * `npm test` builds dist/ first.
 */
import request from 'supertest';
import type { Ack, SubscribeResult } from '../src/realtime/contract';
import {
  LIVENESS_INTERVAL_MS,
  LIVENESS_TIMEOUT_MS,
  PUBLISH_INTERVAL_MS,
} from '../src/realtime/fanout/presence.service';
import { type Cluster, startCluster } from './support/cluster';
import { connect, type TestSocket } from './support/socket-clients';
import { ADMIN } from './support/test-app';

jest.setTimeout(120_000);

const ARTICLES = 10;

/** A socket and the reader count it was last told per article (ack, then `presence`). */
interface Reader {
  socket: TestSocket;
  readers: Map<string, number>;
}

async function waitFor(check: () => boolean, timeoutMs: number, what: () => string) {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    }
    await new Promise((done) => setTimeout(done, 25));
  }
  return Date.now() - started;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('presence across two instances', () => {
  let cluster: Cluster;
  let A: string;
  let B: string;
  const articleIds: string[] = [];
  const readers: Reader[] = [];

  /** townhall_presence_publications_total{kind} of a server. */
  async function publications(url: string, kind: 'counts' | 'alive'): Promise<number> {
    const res = await request(url).get('/metrics').expect(200);
    const match = new RegExp(
      `^townhall_presence_publications_total\\{kind="${kind}"\\} (\\S+)$`,
      'm',
    ).exec(res.text);
    return match ? Number(match[1]) : 0;
  }

  async function reader(url: string, ids: string[]): Promise<Reader> {
    const socket = await connect(url);
    const reader: Reader = { socket, readers: new Map() };
    readers.push(reader);
    socket.on('presence', (event) => reader.readers.set(event.articleId, event.readers));
    for (const articleId of ids) {
      const ack: Ack<SubscribeResult> = await socket
        .timeout(10_000)
        .emitWithAck('subscribe', { articleId });
      if (!ack.ok) throw new Error(`subscribe refused: ${JSON.stringify(ack)}`);
      reader.readers.set(articleId, ack.readers);
    }
    return reader;
  }

  const counts = (reader: Reader, ids = articleIds) => ids.map((id) => reader.readers.get(id));
  const show = (named: Record<string, Reader>) => () =>
    Object.entries(named)
      .map(([name, reader]) => `${name}: ${JSON.stringify(counts(reader))}`)
      .join('; ');

  beforeAll(async () => {
    cluster = await startCluster(2);
    [A, B] = cluster.servers.map((server) => server.url) as [string, string];
    const login = await request(A).post('/api/auth/login').send(ADMIN).expect(200);
    const token = (login.body as { accessToken: string }).accessToken;
    for (let i = 0; i < ARTICLES; i++) {
      const res = await request(A)
        .post('/api/articles')
        .set('Authorization', `Bearer ${token}`)
        .send({ category: 'x', title: `Presence ${i}`, keyTakeaways: [], followUps: [] })
        .expect(201);
      articleIds.push((res.body as { id: string }).id);
    }
  });

  afterAll(async () => {
    readers.forEach((reader) => reader.socket.close());
    await cluster?.close();
  });

  it('asks once and is answered once when an instance gets its first readers of many articles', async () => {
    const a1 = await reader(A, articleIds);
    const a2 = await reader(A, articleIds);
    await sleep(PUBLISH_INTERVAL_MS + 300); // A's own publications settle
    const aBefore = await publications(A, 'counts');
    const bBefore = await publications(B, 'counts');

    // B's first reader of ten articles: B publishes its counts (with hello) in one message, A
    // answers with its counts of all ten in one message of its own
    const b1 = await reader(B, articleIds);
    await waitFor(
      () => [a1, a2, b1].every((r) => counts(r).every((n) => n === 3)),
      5_000,
      show({ a1, a2, b1 }),
    );
    await sleep(PUBLISH_INTERVAL_MS + 300);
    expect((await publications(B, 'counts')) - bBefore).toBeLessThanOrEqual(2);
    expect((await publications(A, 'counts')) - aBefore).toBeLessThanOrEqual(2);
  });

  it('coalesces a burst of joins and leaves into at most one publication a second', async () => {
    const [first] = articleIds as [string];
    const observer = readers[0]!;
    const before = await publications(B, 'counts');
    const began = Date.now();
    // twenty joins and ten leaves on B, within about a second
    const burst = await Promise.all(Array.from({ length: 20 }, () => reader(B, [first])));
    burst.slice(0, 10).forEach((r) => r.socket.disconnect());
    await waitFor(
      () => observer.readers.get(first) === 13,
      5_000,
      () => `observer on A at ${observer.readers.get(first)}, not 13`,
    );
    await sleep(PUBLISH_INTERVAL_MS + 300);
    const seconds = (Date.now() - began) / 1000;
    const published = (await publications(B, 'counts')) - before;
    // 30 changes of one article: one message per interval at most (plus the leading one)
    expect(published).toBeGreaterThanOrEqual(1);
    expect(published).toBeLessThanOrEqual(Math.ceil((seconds * 1000) / PUBLISH_INTERVAL_MS) + 1);
    burst.slice(10).forEach((r) => r.socket.disconnect());
    await waitFor(
      () => observer.readers.get(first) === 3,
      5_000,
      () => `observer on A at ${observer.readers.get(first)}, not 3`,
    );
  });

  it('an idle instance says it is alive once per interval, whatever it holds; killed, its readers leave the count within the liveness timeout', async () => {
    const [a1] = readers as [Reader];
    const countsBefore = await publications(B, 'counts');
    const aliveBefore = await publications(B, 'alive');
    const idleMs = 3 * LIVENESS_INTERVAL_MS + 500;
    await sleep(idleMs);
    // B holds readers of ten articles: no per-article heartbeat, one liveness message a tick
    expect((await publications(B, 'counts')) - countsBefore).toBe(0);
    const alive = (await publications(B, 'alive')) - aliveBefore;
    expect(alive).toBeGreaterThanOrEqual(2);
    expect(alive).toBeLessThanOrEqual(Math.ceil(idleMs / LIVENESS_INTERVAL_MS) + 1);
    expect(counts(a1)).toEqual(articleIds.map(() => 3));

    const server = cluster.servers[1]!;
    server.kill();
    expect((await server.exited).signal).toBe('SIGKILL');
    // A drops B's readers once B is silent for the timeout (checked every liveness interval),
    // then tells its room at the next presence slot
    await waitFor(
      () => counts(a1).every((n) => n === 2),
      LIVENESS_TIMEOUT_MS + LIVENESS_INTERVAL_MS + 3_000,
      show({ a1 }),
    );
  });
});
