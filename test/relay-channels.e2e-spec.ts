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

  /** What each instance wrote of one instance's articles' events, by kind. */
  interface Written {
    comments: number[];
    votes: number[];
  }

  /**
   * Comments and votes on every article, each written through the instances in turn (so most
   * of an article's events come from an instance without its readers); returns, per article,
   * which instance wrote each comment and each vote.
   */
  async function write(
    servers: ServerProcess[],
    articles: string[],
  ): Promise<Map<string, Written>> {
    let turn = 0;
    const next = (): number => turn++ % servers.length;
    const written = new Map<string, Written>();
    await Promise.all(
      articles.map(async (articleId) => {
        const mine: Written = { comments: [], votes: [] };
        written.set(articleId, mine);
        for (let i = 0; i < COMMENTS_PER_ARTICLE; i++) {
          const by = next();
          mine.comments.push(by);
          await request(servers[by]!.url)
            .post(`/api/articles/${articleId}/comments`)
            .set(...bearer(voters[i % VOTERS]!))
            .send({ body: `comment ${i}` })
            .expect(201);
        }
        for (const voter of voters) {
          const by = next();
          mine.votes.push(by);
          await request(servers[by]!.url)
            .put(`/api/articles/${articleId}/votes/interesting`)
            .set(...bearer(voter))
            .send({ value: 'up' })
            .expect(200);
        }
      }),
    );
    return written;
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
    const articleBefore = await Promise.all(servers.map((s) => relayCounts(s.url, 'article')));
    const written = await write(servers, held.flat());
    const perArticle = COMMENTS_PER_ARTICLE + VOTERS;
    // per instance: the comments and votes of its articles written through another instance
    const foreign = held.map((articles, i) => {
      const of = (kind: keyof Written) =>
        articles.reduce((n, id) => n + written.get(id)![kind].filter((by) => by !== i).length, 0);
      return { comments: of('comments'), votes: of('votes') };
    });
    const expected = Array.from({ length: COMMENTS_PER_ARTICLE }, (_, i) => i + 1);
    await waitFor(
      () => readers.every((r) => [...r.seqs.values()].every((s) => s.length >= expected.length)),
      30_000,
      () => `every comment at its readers (${channels})`,
    );
    for (const r of readers) for (const seqs of r.seqs.values()) expect(seqs).toEqual(expected);
    // the last votes' tallies are relayed too before counting
    await new Promise((done) => setTimeout(done, 500));
    const after = await Promise.all(servers.map((server) => relayCounts(server.url)));
    const articleAfter = await Promise.all(servers.map((s) => relayCounts(s.url, 'article')));
    const ratios = after.map((counts, i) => {
      const articleParsed = articleAfter[i]!.parsed - articleBefore[i]!.parsed;
      const articleOwn = articleAfter[i]!.own - articleBefore[i]!.own;
      // the events of its articles: on per-article channels exactly what arrived on them (its
      // own as echoes); on the global channel, comments + votes (a batch of votes on one
      // article makes one tally event, so this may count more events than there were)
      const events =
        channels === 'article' ? articleParsed + articleOwn : ARTICLES_PER_INSTANCE * perArticle;
      return {
        events,
        parsed: (counts.parsed - before[i]!.parsed) / events,
        received: (counts.parsed + counts.own - before[i]!.parsed - before[i]!.own) / events,
        articleParsed,
      };
    });
    return { servers, held, readers, ratios, foreign };
  }

  it('parses only the events of the articles an instance serves (ratio ≤ 1.1), against every event on one global channel', async () => {
    const global = await measure('global');
    await Promise.all(global.servers.map((server) => server.stop()));
    const sharded = await measure('article');
    const round = (n: number) => Math.round(n * 100) / 100;
    console.log(
      `relay messages per event of the articles held, ${INSTANCES} instances on disjoint articles ` +
        `(${ARTICLES_PER_INSTANCE * (COMMENTS_PER_ARTICLE + VOTERS)} comments and votes each, ` +
        `${sharded.ratios.map((r) => r.events).join(', ')} events): ` +
        `global channel parsed ${global.ratios.map((r) => round(r.parsed)).join(', ')} ` +
        `(received ${global.ratios.map((r) => round(r.received)).join(', ')}); ` +
        `per-article channels parsed ${sharded.ratios.map((r) => round(r.parsed)).join(', ')} ` +
        `(received ${sharded.ratios.map((r) => round(r.received)).join(', ')})`,
    );
    // only its own articles' events written elsewhere: every such comment (a vote's tally may
    // be coalesced with the next one by its writer), nothing of the other instances' articles.
    // The 1.1 target (with the global channel's presence and liveness, which depend on how long
    // the writes take) is printed above and measured in the README, not asserted on time.
    sharded.ratios.forEach(({ articleParsed }, i) => {
      const { comments, votes } = sharded.foreign[i]!;
      expect(articleParsed).toBeGreaterThanOrEqual(comments);
      expect(articleParsed).toBeLessThanOrEqual(comments + votes);
    });
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
