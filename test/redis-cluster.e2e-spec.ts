/**
 * Three compiled servers (`node dist/src/main.js`, one database) on a local three-shard Redis
 * Cluster (redis-server in cluster mode on three ports, REDIS_CLUSTER=true): live events
 * written through one instance reach the readers on the others in seq order, with presence
 * counted across them; a ban through one reaches the user's sockets on the others; rate limits
 * are counted once across instances; a site's new origin reaches every instance; and live
 * delivery comes back after every shard restarted. The other cross-instance specs run against
 * a cluster too with TOWNHALL_TEST_REDIS=cluster (`npm run test:redis-cluster`).
 * `npm test` builds dist/ first.
 */
import request from 'supertest';
import type { Ack, SubscribeResult } from '../src/realtime/contract';
import { type Cluster, startCluster } from './support/cluster';
import {
  bearer,
  createArticle,
  loginAdmin,
  postComment,
  registerUser,
  type TestUser,
} from './support/factories';
import type { ServerProcess } from './support/server-process';
import { connect, nextEvent, type TestSocket } from './support/socket-clients';

jest.setTimeout(180_000);

const COMMENTS = 9;

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
  return Date.now() - started;
}

describe('three instances on a three-shard Redis Cluster', () => {
  let cluster: Cluster;
  let servers: ServerProcess[];
  let admin: TestUser;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    cluster = await startCluster(
      3,
      {
        RATE_LIMITS: 'on',
        RATE_LIMIT_LOGIN_USER: '3/1m',
        // every user of this file registers, logs in and comments from 127.0.0.1
        RATE_LIMIT_REGISTER: '1000/1h',
        RATE_LIMIT_LOGIN_IP: '1000/1m',
        RATE_LIMIT_COMMENTS: '1000/1m',
        RATE_LIMIT_VOTES: '1000/1m',
        TALLY_INTERVAL_MS: '50',
        // production answers CORS for the sites' origins only (development allows any)
        NODE_ENV: 'production',
        METRICS_PUBLIC: 'true',
      },
      'cluster',
    );
    servers = cluster.servers;
    admin = await loginAdmin(servers[0]!.url);
  });
  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    await cluster?.close();
  });

  async function open(server: ServerProcess, user?: TestUser): Promise<TestSocket> {
    const socket = await connect(server.url, user?.accessToken);
    sockets.push(socket);
    return socket;
  }

  /** A reader on each instance, subscribed to the article; the seqs each one saw. */
  async function readers(articleId: string) {
    const seen: number[][] = [];
    const ready: Promise<SubscribeOk>[] = [];
    for (const server of servers) {
      const socket = await open(server);
      const seqs: number[] = [];
      seen.push(seqs);
      socket.on('comment.created', (event) => seqs.push(event.seq));
      ready.push(
        socket.timeout(10_000).emitWithAck('subscribe', { articleId }) as Promise<SubscribeOk>,
      );
    }
    const acks = await Promise.all(ready);
    acks.forEach((ack) => expect(ack.ok).toBe(true));
    return { seen, sockets: sockets.slice(-servers.length) };
  }

  it('delivers comments written through any instance to readers on all three, in seq order, and counts readers across them', async () => {
    const articleId = await createArticle(servers[0]!.url, admin);
    const { seen, sockets: readerSockets } = await readers(articleId);
    const presence = readerSockets.map((socket) =>
      nextEvent(socket, 'presence', (e) => e.articleId === articleId && e.readers === 3, 10_000),
    );
    const author = await registerUser(servers[0]!.url);
    for (let i = 0; i < COMMENTS; i++) {
      await postComment(servers[i % 3]!.url, author, articleId, `comment ${i}`).expect(201);
    }
    const expected = Array.from({ length: COMMENTS }, (_, i) => i + 1);
    await waitFor(() => seen.every((s) => s.length >= COMMENTS), 15_000, 'every comment');
    seen.forEach((seqs) => expect(seqs).toEqual(expected));
    expect(await Promise.all(presence)).toHaveLength(3);
  });

  it('tells the user on every instance of a ban made through one', async () => {
    const user = await registerUser(servers[0]!.url);
    const onB = await open(servers[1]!, user);
    const onC = await open(servers[2]!, user);
    const told = [onB, onC].map((socket) => nextEvent(socket, 'session.changed'));
    await request(servers[0]!.url)
      .post(`/api/users/${user.id}/ban`)
      .set(...bearer(admin))
      .send({ reason: 'abuse' })
      .expect(200);
    for (const event of await Promise.all(told)) {
      expect(event).toMatchObject({ reason: 'banned', banned: true });
    }
  });

  it('counts failed logins for one username once across the three instances', async () => {
    const victim = await registerUser(servers[0]!.url);
    const login = (server: ServerProcess, password: string) =>
      request(server.url).post('/api/auth/login').send({ username: victim.username, password });
    await login(servers[0]!, 'wrong-password-1').expect(401);
    await login(servers[1]!, 'wrong-password-2').expect(401);
    await login(servers[2]!, 'wrong-password-3').expect(401);
    expect((await login(servers[1]!, victim.password)).status).toBe(429);
  });

  it("takes a site's new origin on every instance", async () => {
    const site = await request(servers[0]!.url)
      .post('/api/sites')
      .set(...bearer(admin))
      .send({ name: 'Publisher', origins: ['https://news.example'] })
      .expect(201);
    const origin = 'https://cluster-front.example';
    const allowedOn = async (server: ServerProcess): Promise<boolean> =>
      (await request(server.url).get('/api/articles').set('Origin', origin)).headers[
        'access-control-allow-origin'
      ] === origin;
    for (const server of servers) expect(await allowedOn(server)).toBe(false);
    await request(servers[0]!.url)
      .patch(`/api/sites/${(site.body as { id: string }).id}`)
      .set(...bearer(admin))
      .send({ origins: ['https://news.example', origin] })
      .expect(200);
    for (const server of servers) {
      await waitFor(() => allowedOn(server), 5_000, `the new origin on ${server.url}`);
    }
  });

  it('delivers live again after every shard restarted, and repairs what was written meanwhile', async () => {
    const articleId = await createArticle(servers[0]!.url, admin);
    const { seen } = await readers(articleId);
    const author = await registerUser(servers[0]!.url);
    await postComment(servers[0]!.url, author, articleId, 'before').expect(201);
    await waitFor(() => seen.every((s) => s.length >= 1), 10_000, 'the first comment');
    await cluster.redis.stop();
    await postComment(servers[0]!.url, author, articleId, 'while Redis is down').expect(201);
    await cluster.redis.start();
    const healthy = async (): Promise<boolean> => {
      const answers = await Promise.all(servers.map((s) => request(s.url).get('/health')));
      return answers.every((answer) => answer.status === 200);
    };
    await waitFor(healthy, 30_000, 'every instance healthy again');
    await waitFor(() => seen.every((s) => s.length >= 2), 15_000, 'the comment written while down');
    // the article's channel is subscribed again on every shard's new connection: the next
    // comment reaches the other two instances through it, not from the sweep's read
    await new Promise((done) => setTimeout(done, 1_000));
    const relayedBefore = await Promise.all(servers.map((s) => articleMessages(s.url)));
    await postComment(servers[1]!.url, author, articleId, 'after').expect(201);
    await waitFor(() => seen.every((s) => s.length >= 3), 15_000, 'the comment after the restart');
    seen.forEach((seqs) => expect(seqs).toEqual([1, 2, 3]));
    const relayedAfter = await Promise.all(servers.map((s) => articleMessages(s.url)));
    expect(relayedAfter.map((n, i) => n - relayedBefore[i]!)).toEqual([1, 0, 1]);
  });
});

type SubscribeOk = Extract<Ack<SubscribeResult>, { ok: true }>;

/** Relay messages a server parsed from article channels (townhall_relay_messages_total). */
async function articleMessages(url: string): Promise<number> {
  const text = (await request(url).get('/metrics').expect(200)).text;
  const match = /^townhall_relay_messages_total\{channel="article",outcome="parsed"\} (\S+)$/m.exec(
    text,
  );
  return match ? Number(match[1]) : 0;
}
