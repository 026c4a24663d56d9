/**
 * Per-article relay channels between four compiled servers (`node dist/src/main.js`, one
 * database, one test-owned redis-server), each with readers of its own articles only: with
 * REDIS_CHANNELS=global (one channel, as before) every instance receives every event; with
 * per-article sharded channels (the default) it parses only those of the articles it serves.
 * Readers see every event of their articles in seq order whichever instance wrote it, also
 * across a Redis restart. `npm test` builds dist/ first.
 */
import request from 'supertest';
import type { Ack, SubscribeResult } from '../src/realtime/contract';
import { clusterEnv, type Cluster, startCluster } from './support/cluster';
import { bearer, createArticle, login, registerUser, type TestUser } from './support/factories';
import { type ServerProcess, startServer } from './support/server-process';
import { connect, type TestSocket } from './support/socket-clients';
import { ADMIN } from './support/test-app';

jest.setTimeout(240_000);

const INSTANCES = 4;
const ARTICLES_PER_INSTANCE = 4;
const COMMENTS_PER_ARTICLE = 8;
const VOTERS = 4;

/** A reader socket on one instance, subscribed to that instance's articles. */
interface Reader {
  socket: TestSocket;
  seqs: Map<string, number[]>;
}

/** The relay messages of one server: what it parsed, and its own echoes dropped unparsed. */
interface RelayCounts {
  parsed: number;
  own: number;
}

async function relayCounts(url: string, channel = '\\w+'): Promise<RelayCounts> {
  const text = (await request(url).get('/metrics').expect(200)).text;
  const sum = (outcome: string): number => {
    let total = 0;
    const pattern = new RegExp(
      `^townhall_relay_messages_total\\{channel="${channel}",outcome="${outcome}"\\} (\\S+)$`,
      'gm',
    );
    for (const match of text.matchAll(pattern)) total += Number(match[1]);
    return total;
  };
  return { parsed: sum('parsed'), own: sum('own') };
}

async function waitFor(check: () => boolean, timeoutMs: number, what: () => string) {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((done) => setTimeout(done, 25));
  }
}

describe('relay channels: four instances on disjoint articles', () => {
  let cluster: Cluster;
  let admin: TestUser;
  const voters: TestUser[] = [];
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    cluster = await startCluster(1);
    admin = await login(cluster.servers[0]!.url, ADMIN.username, ADMIN.password);
    for (let i = 0; i < VOTERS; i++) voters.push(await registerUser(cluster.servers[0]!.url));
    await cluster.servers[0]!.stop();
  });
  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    await cluster?.close();
  });

  async function startInstances(channels: 'article' | 'global'): Promise<ServerProcess[]> {
    const env = {
      ...clusterEnv(cluster.database.url, cluster.redis.url, cluster.redis.cluster),
      REDIS_CHANNELS: channels,
      TALLY_INTERVAL_MS: '50',
    };
    return Promise.all(Array.from({ length: INSTANCES }, () => startServer(env)));
  }

  async function reader(url: string, articleIds: string[]): Promise<Reader> {
    const socket = await connect(url);
    sockets.push(socket);
    const seen: Reader = { socket, seqs: new Map(articleIds.map((id) => [id, []])) };
    socket.on('comment.created', (event) => seen.seqs.get(event.articleId)?.push(event.seq));
    for (const articleId of articleIds) {
      const ack: Ack<SubscribeResult> = await socket
        .timeout(10_000)
        .emitWithAck('subscribe', { articleId });
      if (!ack.ok) throw new Error(`subscribe refused: ${JSON.stringify(ack)}`);
    }
    return seen;
  }

  /**
   * Comments and votes on every article, each written through the instances in turn (so
   * three quarters of an article's events come from an instance without its readers); returns
   * how many events each article had.
   */
  async function write(servers: ServerProcess[], articles: string[]): Promise<number> {
    let turn = 0;
    const next = (): string => servers[turn++ % servers.length]!.url;
    await Promise.all(
      articles.map(async (articleId) => {
        for (let i = 0; i < COMMENTS_PER_ARTICLE; i++) {
          await request(next())
            .post(`/api/articles/${articleId}/comments`)
            .set(...bearer(voters[i % VOTERS]!))
            .send({ body: `comment ${i}` })
            .expect(201);
        }
        for (const voter of voters) {
          await request(next())
            .put(`/api/articles/${articleId}/votes/interesting`)
            .set(...bearer(voter))
            .send({ value: 'up' })
            .expect(200);
        }
      }),
    );
    return COMMENTS_PER_ARTICLE + VOTERS;
  }

  /** Runs the workload on fresh instances; per instance, relay messages ÷ its articles' events. */
  async function measure(channels: 'article' | 'global') {
    const servers = await startInstances(channels);
    const held = await Promise.all(
      servers.map(() =>
        Promise.all(
          Array.from({ length: ARTICLES_PER_INSTANCE }, () =>
            createArticle(servers[0]!.url, admin),
          ),
        ),
      ),
    );
    const readers = await Promise.all(servers.map((server, i) => reader(server.url, held[i]!)));
    // presence settles (hello and answers) before the counting starts
    await new Promise((done) => setTimeout(done, 1_500));
    const before = await Promise.all(servers.map((server) => relayCounts(server.url)));
    const perArticle = await write(servers, held.flat());
    const expected = Array.from({ length: COMMENTS_PER_ARTICLE }, (_, i) => i + 1);
    await waitFor(
      () => readers.every((r) => [...r.seqs.values()].every((s) => s.length >= expected.length)),
      30_000,
      () => `every comment at its readers (${channels})`,
    );
    for (const r of readers) for (const seqs of r.seqs.values()) expect(seqs).toEqual(expected);
    const after = await Promise.all(servers.map((server) => relayCounts(server.url)));
    const heldEvents = ARTICLES_PER_INSTANCE * perArticle;
    const ratios = after.map((counts, i) => ({
      parsed: (counts.parsed - before[i]!.parsed) / heldEvents,
      received: (counts.parsed + counts.own - before[i]!.parsed - before[i]!.own) / heldEvents,
    }));
    return { servers, held, readers, ratios };
  }

  it('parses only the events of the articles an instance serves (ratio ≤ 1.1), against every event on one global channel', async () => {
    const global = await measure('global');
    await Promise.all(global.servers.map((server) => server.stop()));
    const sharded = await measure('article');
    const round = (n: number) => Math.round(n * 100) / 100;
    console.log(
      `relay messages per event of the articles held, ${INSTANCES} instances on disjoint articles ` +
        `(${ARTICLES_PER_INSTANCE * (COMMENTS_PER_ARTICLE + VOTERS)} events each): ` +
        `global channel parsed ${global.ratios.map((r) => round(r.parsed)).join(', ')} ` +
        `(received ${global.ratios.map((r) => round(r.received)).join(', ')}); ` +
        `per-article channels parsed ${sharded.ratios.map((r) => round(r.parsed)).join(', ')} ` +
        `(received ${sharded.ratios.map((r) => round(r.received)).join(', ')})`,
    );
    for (const { parsed } of sharded.ratios) expect(parsed).toBeLessThanOrEqual(1.1);
    // on the one channel, an instance received the events of all four instances' articles
    for (const { received } of global.ratios) expect(received).toBeGreaterThanOrEqual(3.5);

    // a Redis restart: the channels are subscribed again, and what was written while Redis
    // was away still reaches the readers, in order, from PostgreSQL
    const [A, B] = sharded.servers as [ServerProcess, ServerProcess];
    const article = sharded.held[1]![0]!;
    const seqs = sharded.readers[1]!.seqs.get(article)!;
    await cluster.redis.stop();
    await request(A.url)
      .post(`/api/articles/${article}/comments`)
      .set(...bearer(voters[0]!))
      .send({ body: 'while Redis is down' })
      .expect(201);
    await cluster.redis.start();
    const connected = async (url: string) =>
      /^townhall_redis_connected 1$/m.test((await request(url).get('/metrics')).text);
    for (let i = 0; i < 200 && !((await connected(A.url)) && (await connected(B.url))); i++) {
      await new Promise((done) => setTimeout(done, 50));
    }
    await waitFor(
      () => seqs.length >= COMMENTS_PER_ARTICLE + 1,
      15_000,
      () => `the comment written while Redis was down (${JSON.stringify(seqs)})`,
    );
    // and live again: a comment through A reaches B's reader through the resubscribed channel
    await new Promise((done) => setTimeout(done, 500));
    const relayedBefore = await relayCounts(B.url, 'article');
    await request(A.url)
      .post(`/api/articles/${article}/comments`)
      .set(...bearer(voters[1]!))
      .send({ body: 'after the restart' })
      .expect(201);
    await waitFor(
      () => seqs.length >= COMMENTS_PER_ARTICLE + 2,
      10_000,
      () => `the comment after the restart (${JSON.stringify(seqs)})`,
    );
    expect(seqs).toEqual(Array.from({ length: COMMENTS_PER_ARTICLE + 2 }, (_, i) => i + 1));
    // it came live through the resubscribed channel, not from the sweep's read of PostgreSQL
    expect((await relayCounts(B.url, 'article')).parsed).toBe(relayedBefore.parsed + 1);
  });
});
