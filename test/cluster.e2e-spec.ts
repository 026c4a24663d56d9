/**
 * Several compiled servers (`node dist/src/main.js`) sharing one PostgreSQL database and one
 * test-owned redis-server, as a load-balanced deployment runs them: cross-instance delivery,
 * presence, an instance killed with SIGKILL, and a Redis outage. `npm test` builds dist/ first.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { SubscribeResult, Tallies, TallyEvent, Ack } from '../src/realtime/contract';
import { killAllRedisServers, type RedisServer, startRedisServer } from './support/redis-server';
import { killAllServers, type ServerProcess, startServer } from './support/server-process';
import { connect, type TestSocket } from './support/socket-clients';
import { createTestDatabase, query, type TestDatabase } from './support/test-database';

jest.setTimeout(180_000);

const JWT_SECRET = 'cluster-test-secret-that-is-longer-than-32-chars';
const ADMIN = { username: 'cluster_admin', password: 'cluster-admin-password-1' };
const USER_PASSWORD = 'password-123';
const USER_COUNT = 6;

type SubscribeOk = Extract<Ack<SubscribeResult>, { ok: true }>;

interface SeenComment {
  type: string;
  seq: number;
  id: string;
  via: 'live' | 'missed';
}

/** A socket.io client and everything it has been told, in arrival order. */
interface Client {
  socket: TestSocket;
  comments: SeenComment[];
  tallies: TallyEvent[];
  /** The latest reader count: from the subscribe ack, then from `presence` events. */
  readers: number | null;
  ack: SubscribeOk | null;
}

interface User {
  id: string;
  username: string;
  accessToken: string;
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Polls `check` until it holds; fails with `what` (and how long it waited) otherwise. */
async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string | (() => string),
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`,
      );
    }
    await delay(25);
  }
}

describe('cluster: several server processes, one PostgreSQL, one Redis', () => {
  let database: TestDatabase | undefined;
  let redis: RedisServer | undefined;
  let A: ServerProcess;
  let B: ServerProcess;
  let C: ServerProcess;
  let admin: User;
  const users: User[] = [];
  const clients: Client[] = [];

  // ---- helpers bound to the cluster ----------------------------------------------------------

  async function login(url: string, username: string, password: string): Promise<User> {
    const res = await request(url).post('/api/auth/login').send({ username, password }).expect(200);
    const body = res.body as { user: { id: string }; accessToken: string };
    return { id: body.user.id, username, accessToken: body.accessToken };
  }

  async function register(url: string): Promise<User> {
    const username = `cl_${randomBytes(5).toString('hex')}`;
    const res = await request(url)
      .post('/api/auth/register')
      .send({ username, password: USER_PASSWORD })
      .expect(201);
    const body = res.body as { user: { id: string }; accessToken: string };
    return { id: body.user.id, username, accessToken: body.accessToken };
  }

  async function createArticle(title: string): Promise<string> {
    const res = await request(A.url)
      .post('/api/articles')
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .send({ category: 'Cluster', title, keyTakeaways: [], followUps: [] })
      .expect(201);
    return (res.body as { id: string }).id;
  }

  /** POSTs a comment; returns the status and (on 201) the new comment's id. */
  async function postComment(
    url: string,
    user: User,
    articleId: string,
    body: string,
  ): Promise<{ status: number; id: string }> {
    const res = await request(url)
      .post(`/api/articles/${articleId}/comments`)
      .set('Authorization', `Bearer ${user.accessToken}`)
      .send({ body });
    return { status: res.status, id: (res.body as { id: string }).id };
  }

  /** POSTs a comment that must succeed; returns its id. */
  async function comment(url: string, articleId: string, body: string, user = users[0]!) {
    const res = await postComment(url, user, articleId, body);
    expect(res.status).toBe(201);
    return res.id;
  }

  async function vote(
    url: string,
    user: User,
    articleId: string,
    dimension: 'interesting' | 'support',
    value: 'up' | 'down',
  ): Promise<number> {
    const res = await request(url)
      .put(`/api/articles/${articleId}/votes/${dimension}`)
      .set('Authorization', `Bearer ${user.accessToken}`)
      .send({ value });
    return res.status;
  }

  async function tallies(url: string, articleId: string): Promise<Tallies> {
    const res = await request(url).get(`/api/articles/${articleId}`).expect(200);
    return (res.body as { tallies: Tallies }).tallies;
  }

  /** The value of an unlabelled metric in GET /metrics. */
  async function metric(url: string, name: string): Promise<number> {
    const res = await request(url).get('/metrics').expect(200);
    const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(res.text);
    if (!match) throw new Error(`no ${name} in /metrics`);
    return Number(match[1]);
  }

  async function eventLog(articleId: string): Promise<{ seq: number; id: string }[]> {
    const rows = await query<{ seq: number; comment_id: string }>(
      database!.url,
      'SELECT seq, comment_id FROM comment_events WHERE article_id = $1 ORDER BY seq',
      [articleId],
    );
    return rows.map((row) => ({ seq: Number(row.seq), id: row.comment_id }));
  }

  async function count(table: string, articleId: string): Promise<number> {
    const rows = await query<{ count: string }>(
      database!.url,
      `SELECT count(*) FROM ${table} WHERE article_id = $1`,
      [articleId],
    );
    return Number(rows[0]?.count ?? 0);
  }

  /** Connects a tracking client (no subscription yet). */
  async function open(url: string): Promise<Client> {
    const socket = await connect(url);
    const client: Client = { socket, comments: [], tallies: [], readers: null, ack: null };
    clients.push(client);
    socket.on('comment.created', (e) =>
      client.comments.push({ type: 'comment.created', seq: e.seq, id: e.comment.id, via: 'live' }),
    );
    socket.on('comment.updated', (e) =>
      client.comments.push({ type: 'comment.updated', seq: e.seq, id: e.comment.id, via: 'live' }),
    );
    socket.on('comment.removed', (e) =>
      client.comments.push({ type: 'comment.removed', seq: e.seq, id: e.commentId, via: 'live' }),
    );
    socket.on('tally', (e) => client.tallies.push(e));
    socket.on('presence', (e) => {
      client.readers = e.readers;
    });
    return client;
  }

  /**
   * Subscribes; the ack's `missed` and `readers` are recorded synchronously in the ack callback,
   * so they take their place before any live event that follows the ack.
   */
  function subscribe(client: Client, articleId: string, since?: number): Promise<SubscribeOk> {
    return new Promise((resolve, reject) => {
      client.socket
        .timeout(10_000)
        .emit(
          'subscribe',
          since === undefined ? { articleId } : { articleId, since },
          (error: Error | null, ack: Ack<SubscribeResult>) => {
            if (error) return reject(error);
            if (!ack.ok) return reject(new Error(`subscribe refused: ${JSON.stringify(ack)}`));
            client.readers = ack.readers;
            client.ack = ack;
            for (const e of ack.missed) {
              client.comments.push({
                type: e.type,
                seq: e.seq,
                id: e.type === 'comment.removed' ? e.commentId : e.comment.id,
                via: 'missed',
              });
            }
            resolve(ack);
          },
        );
    });
  }

  async function subscribed(url: string, articleId: string, since?: number): Promise<Client> {
    const client = await open(url);
    await subscribe(client, articleId, since);
    return client;
  }

  const seqs = (client: Client): number[] => client.comments.map((e) => e.seq);
  const lastSeq = (client: Client): number => client.comments.at(-1)?.seq ?? 0;
  const describeClients = (named: Record<string, Client>) => (): string =>
    Object.entries(named)
      .map(([name, c]) => `${name}: seqs [${seqs(c).join(',')}] readers ${c.readers}`)
      .join('; ');

  function expectStrictlyIncreasingVersions(client: Client): void {
    const versions = client.tallies.map((t) => t.version);
    for (let i = 1; i < versions.length; i++) {
      expect(versions[i]).toBeGreaterThan(versions[i - 1]!);
    }
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await startRedisServer();
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      JWT_SECRET,
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      RATE_LIMITS: 'off',
      LOG_LEVEL: 'warn',
    };
    [A, B, C] = await Promise.all([startServer(env), startServer(env), startServer(env)]);
    admin = await login(A.url, ADMIN.username, ADMIN.password);
    users.push(...(await Promise.all(range(1, USER_COUNT).map(() => register(A.url)))));
  });

  // whatever happened in the tests: no socket, server or redis-server outlives the file
  afterAll(async () => {
    for (const client of clients) client.socket.close();
    await killAllServers();
    await killAllRedisServers();
    await database?.drop();
  });

  // ---- tests ---------------------------------------------------------------------------------

  it('delivers comments to clients on both instances in one seq order, and exact tallies across instances', async () => {
    const articleId = await createArticle('Cross-instance delivery');
    const onA = await subscribed(A.url, articleId);
    const onB = await subscribed(B.url, articleId);
    for (const client of [onA, onB]) {
      expect(client.ack).toMatchObject({ ok: true, seq: 0, commentCount: 0, missed: [] });
    }

    // 20 comments through A's and B's REST APIs alternately: 6 one by one, then 14 concurrently
    const posted: string[] = [];
    for (const i of range(1, 6)) {
      posted.push(await comment(i % 2 ? A.url : B.url, articleId, `sequential ${i}`));
    }
    for (const batch of [0, 1]) {
      posted.push(
        ...(await Promise.all(
          range(1, 7).map((j) =>
            comment(j % 2 ? A.url : B.url, articleId, `concurrent ${batch}.${j}`, users[j % 3]!),
          ),
        )),
      );
    }
    expect(new Set(posted).size).toBe(20);

    await waitFor(
      () => onA.comments.length >= 20 && onB.comments.length >= 20,
      10_000,
      describeClients({ onA, onB }),
    );
    await delay(500); // room for a duplicate or a stray event to show up
    for (const client of [onA, onB]) {
      expect(seqs(client)).toEqual(range(1, 20));
      expect(client.comments.every((e) => e.type === 'comment.created' && e.via === 'live')).toBe(
        true,
      );
    }
    // the same comment under the same seq on both, as committed
    expect(onB.comments.map((e) => e.id)).toEqual(onA.comments.map((e) => e.id));
    expect([...onA.comments.map((e) => e.id)].sort()).toEqual([...posted].sort());
    expect(await eventLog(articleId)).toEqual(onA.comments.map(({ seq, id }) => ({ seq, id })));

    // one vote on A: a tally on B with exactly that vote
    expect(await vote(A.url, users[0]!, articleId, 'interesting', 'up')).toBe(200);
    await waitFor(() => onB.tallies.length >= 1, 5_000, 'a tally on B');
    expect(onB.tallies[0]).toMatchObject({
      articleId,
      tallies: { interesting: { up: 1, down: 0 }, support: { up: 0, down: 0 } },
    });

    // more votes, concurrently, on both instances (one of them moves user 0's vote)
    const statuses = await Promise.all([
      vote(A.url, users[1]!, articleId, 'interesting', 'up'),
      vote(B.url, users[2]!, articleId, 'interesting', 'down'),
      vote(A.url, users[3]!, articleId, 'support', 'up'),
      vote(B.url, users[4]!, articleId, 'support', 'up'),
      vote(A.url, users[5]!, articleId, 'support', 'down'),
      vote(B.url, users[0]!, articleId, 'interesting', 'down'),
    ]);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    const expected: Tallies = { interesting: { up: 1, down: 2 }, support: { up: 2, down: 1 } };
    expect(await tallies(A.url, articleId)).toEqual(expected);
    expect(await tallies(B.url, articleId)).toEqual(expected);

    await waitFor(
      () =>
        [onA, onB].every(
          (c) => JSON.stringify(c.tallies.at(-1)?.tallies) === JSON.stringify(expected),
        ),
      5_000,
      () => `last tallies ${JSON.stringify([onA.tallies.at(-1), onB.tallies.at(-1)])}`,
    );
    await delay(500);
    for (const client of [onA, onB]) {
      expect(client.tallies.at(-1)).toEqual(
        expect.objectContaining({ articleId, tallies: expected }),
      );
      expectStrictlyIncreasingVersions(client);
    }
    // both instances end on the same, newest version
    expect(onA.tallies.at(-1)!.version).toBe(onB.tallies.at(-1)!.version);
  });

  it('counts readers across instances and drops a disconnected one', async () => {
    const articleId = await createArticle('Presence');
    const a1 = await subscribed(A.url, articleId);
    const a2 = await subscribed(A.url, articleId);
    const b1 = await subscribed(B.url, articleId);
    const all = { a1, a2, b1 };

    await waitFor(() => [a1, a2, b1].every((c) => c.readers === 3), 5_000, describeClients(all));

    b1.socket.disconnect();
    await waitFor(() => a1.readers === 2 && a2.readers === 2, 5_000, describeClients(all));

    // a later subscriber on B is told about A's two readers at once, and A hears of it
    const b2 = await subscribed(B.url, articleId);
    expect(b2.ack?.readers).toBe(3);
    await waitFor(
      () => [a1, a2, b2].every((c) => c.readers === 3),
      5_000,
      describeClients({ a1, a2, b2 }),
    );
  });

  it('after SIGKILL of an instance, a client that moves to another one misses nothing and sees nothing twice', async () => {
    const articleId = await createArticle('SIGKILL');
    const observer = await subscribed(A.url, articleId);
    const mover = await subscribed(C.url, articleId);
    const sinking = await subscribed(C.url, articleId); // dies with C
    const all = { observer, mover, sinking };
    await waitFor(
      () => [observer, mover, sinking].every((c) => c.readers === 3),
      5_000,
      describeClients(all),
    );

    const before: string[] = [];
    for (const i of range(1, 5))
      before.push(await comment(i % 2 ? A.url : B.url, articleId, `b${i}`));
    await waitFor(() => mover.comments.length >= 5, 5_000, describeClients(all));
    expect(seqs(mover)).toEqual(range(1, 5));

    // comments in flight on C when it dies: each may or may not have committed (and, if it
    // did, its event may never have been published); the log in PostgreSQL is the truth
    const inFlight = range(1, 4).map((i) =>
      fetch(`${C.url}/api/articles/${articleId}/comments`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${users[1]!.accessToken}`,
        },
        body: JSON.stringify({ body: `in flight ${i}` }),
      }).then(
        (res) => res.status,
        () => 'no answer',
      ),
    );
    await delay(15);
    C.kill();
    const exit = await C.exited;
    expect(exit.signal).toBe('SIGKILL');
    const killedAt = Date.now();
    await waitFor(() => !mover.socket.connected, 5_000, 'the socket on C to notice');
    const inFlightStatuses = await Promise.all(inFlight);
    // whatever C answered before dying was a success
    expect(inFlightStatuses.every((status) => status === 201 || status === 'no answer')).toBe(true);
    const since = lastSeq(mover);
    const committedBeforeKill = (await eventLog(articleId)).length;
    expect(committedBeforeKill).toBeGreaterThanOrEqual(
      5 + inFlightStatuses.filter((x) => x === 201).length,
    );

    // while C is down: more comments through A (some concurrently) and B
    const whileDown: string[] = [];
    whileDown.push(await comment(A.url, articleId, 'down 1'));
    whileDown.push(
      ...(await Promise.all([2, 3, 4].map((i) => comment(A.url, articleId, `down ${i}`)))),
    );
    whileDown.push(await comment(B.url, articleId, 'down 5'));
    whileDown.push(await comment(A.url, articleId, 'down 6'));
    const logWhileDown = await eventLog(articleId);
    const total = logWhileDown.length;
    expect(total).toBe(committedBeforeKill + whileDown.length);

    // the load balancer sends the client to A; it resubscribes with the last seq it saw
    const moved = await subscribed(A.url, articleId, since);
    expect(moved.ack).toMatchObject({ ok: true, seq: total });
    expect(moved.ack?.resync).toBeUndefined();
    const missed = moved.ack!.missed;
    expect(missed.map((e) => e.seq)).toEqual(range(since + 1, total));
    expect(missed.every((e) => e.type === 'comment.created')).toBe(true);
    expect(missed.map((e) => (e.type === 'comment.created' ? e.comment.id : ''))).toEqual(
      logWhileDown.slice(since).map((e) => e.id),
    );
    expect(missed.map((e) => (e.type === 'comment.created' ? e.comment.id : ''))).toEqual(
      expect.arrayContaining(whileDown),
    );

    // live events continue after the ack
    const after: string[] = [];
    for (const [i, url] of [A.url, B.url, A.url].entries()) {
      after.push(await comment(url, articleId, `after ${i}`));
    }
    await waitFor(
      () => lastSeq(moved) >= total + 3 && lastSeq(observer) >= total + 3,
      5_000,
      describeClients({ observer, moved }),
    );
    await delay(300);
    const journey = [...mover.comments, ...moved.comments];
    expect(journey.map((e) => e.seq)).toEqual(range(1, total + 3));
    expect(moved.comments.map((e) => e.via)).toEqual([
      ...Array<string>(total - since).fill('missed'),
      'live',
      'live',
      'live',
    ]);
    const log = await eventLog(articleId);
    expect(journey.map(({ seq, id }) => ({ seq, id }))).toEqual(log);
    expect(log.map((e) => e.id)).toEqual(
      expect.arrayContaining([...before, ...whileDown, ...after]),
    );
    // the client that stayed on A saw the same events, in order (including any comment C
    // committed but never published before it died)
    expect(observer.comments.map(({ seq, id }) => ({ seq, id }))).toEqual(log);

    // A stops counting C's readers once they go stale: 2 readers left (observer, moved)
    await waitFor(
      () => observer.readers === 2 && moved.readers === 2,
      Math.max(0, killedAt + 25_000 - Date.now()),
      describeClients({ observer, moved }),
    );
    expect([observer.readers, moved.readers]).toEqual([2, 2]);
  });

  it('survives a Redis outage: writes keep working, nothing is lost, and live delivery resumes', async () => {
    const articleId = await createArticle('Redis outage');
    const onA = await subscribed(A.url, articleId);
    const onB = await subscribed(B.url, articleId);
    const leaver = await subscribed(B.url, articleId); // disconnects for the outage
    const all = { onA, onB, leaver };

    await comment(A.url, articleId, 'before 1');
    await comment(B.url, articleId, 'before 2');
    await waitFor(
      () => [onA, onB, leaver].every((c) => c.comments.length >= 2),
      5_000,
      describeClients(all),
    );
    leaver.socket.disconnect();
    const leaverSince = lastSeq(leaver);
    expect(leaverSince).toBe(2);

    // Redis goes away while two comments are being written
    const commentStatuses: number[] = [];
    const outageComments: { url: string; id: string }[] = [];
    const [, ...duringStop] = await Promise.all([
      redis!.stop(),
      ...[A.url, B.url].map(async (url) => ({
        url,
        ...(await postComment(url, users[2]!, articleId, `as Redis stops ${url}`)),
      })),
    ]);
    expect(redis!.running).toBe(false);
    for (const r of duringStop) {
      commentStatuses.push(r.status);
      if (r.status === 201) outageComments.push({ url: r.url, id: r.id });
    }

    // both report Redis down
    for (const server of [A, B]) {
      let body: { details?: Record<string, { status: string }> } = {};
      await waitFor(
        async () => {
          const res = await request(server.url).get('/health');
          body = res.body as typeof body;
          return res.status === 503;
        },
        5_000,
        () => `503 from ${server.url}/health; last body ${JSON.stringify(body)}`,
      );
      expect(body.details?.redis?.status).toBe('down');
      expect(body.details?.database?.status).toBe('up');
    }

    // writes on both instances keep working
    for (const round of range(1, 5)) {
      const results = await Promise.all(
        [A.url, B.url].map(async (url) => ({
          url,
          ...(await postComment(url, users[round % 3]!, articleId, `outage ${round} ${url}`)),
        })),
      );
      for (const r of results) {
        commentStatuses.push(r.status);
        if (r.status === 201) outageComments.push({ url: r.url, id: r.id });
      }
    }
    const voteStatuses = await Promise.all([
      vote(A.url, users[0]!, articleId, 'interesting', 'up'),
      vote(B.url, users[1]!, articleId, 'interesting', 'up'),
      vote(A.url, users[2]!, articleId, 'support', 'down'),
      vote(B.url, users[3]!, articleId, 'support', 'up'),
    ]);
    expect(commentStatuses).toEqual(Array(12).fill(201));
    expect(voteStatuses).toEqual([200, 200, 200, 200]);
    // the events they could not relay are counted, not swallowed (the others catch up from PostgreSQL)
    for (const server of [A, B]) {
      expect(await metric(server.url, 'townhall_relay_publish_failures_total')).toBeGreaterThan(0);
    }

    // every acknowledged write is in PostgreSQL
    expect(await count('comments', articleId)).toBe(2 + outageComments.length);
    expect(await count('votes', articleId)).toBe(voteStatuses.length);
    const logDuringOutage = await eventLog(articleId);
    const total = logDuringOutage.length;
    expect(logDuringOutage.map((e) => e.seq)).toEqual(range(1, 2 + 12));
    const expectedTallies: Tallies = {
      interesting: { up: 2, down: 0 },
      support: { up: 1, down: 1 },
    };
    expect(await tallies(A.url, articleId)).toEqual(expectedTallies);

    // connected clients keep receiving what their own instance wrote, in seq order, no gaps
    const idsOf = (client: Client): Set<string> => new Set(client.comments.map((e) => e.id));
    await waitFor(
      () => outageComments.every((c) => (c.url === A.url ? idsOf(onA) : idsOf(onB)).has(c.id)),
      6_000,
      describeClients({ onA, onB }),
    );
    for (const client of [onA, onB]) {
      const seen = seqs(client);
      expect(seen).toEqual(range(1, seen.length));
      expect(client.comments.map(({ seq, id }) => ({ seq, id }))).toEqual(
        logDuringOutage.slice(0, seen.length),
      );
    }
    // their instance's tallies too, and (from the periodic check against PostgreSQL) the other
    // instance's comments and the latest tallies: nothing waits for Redis to come back
    await waitFor(
      () =>
        [onA, onB].every(
          (c) =>
            c.comments.length === logDuringOutage.length &&
            JSON.stringify(c.tallies.at(-1)?.tallies) === JSON.stringify(expectedTallies),
        ),
      6_000,
      () =>
        `${describeClients({ onA, onB })()}; tallies ${JSON.stringify([onA.tallies, onB.tallies])}`,
    );
    for (const client of [onA, onB]) {
      expect(client.comments.map(({ seq, id }) => ({ seq, id }))).toEqual(logDuringOutage);
      expectStrictlyIncreasingVersions(client);
    }

    // Redis back on the same port: healthy again within ~10 s
    const port = redis!.port;
    await redis!.start();
    expect(redis!.port).toBe(port);
    for (const server of [A, B]) {
      await waitFor(
        async () => (await request(server.url).get('/health')).status === 200,
        10_000,
        `200 from ${server.url}/health after Redis is back`,
      );
    }

    // the client that left comes back (to B) with the last seq it saw: exactly what it missed
    const back = await subscribed(B.url, articleId, leaverSince);
    expect(back.ack?.resync).toBeUndefined();
    expect(back.ack?.seq).toBe(total);
    expect(back.comments.map(({ seq, id }) => ({ seq, id }))).toEqual(
      logDuringOutage.slice(leaverSince),
    );
    expect([...leaver.comments, ...back.comments].map((e) => e.seq)).toEqual(range(1, total));

    // the client that stayed resubscribes with its last seq: together it has every event once
    const onBSince = lastSeq(onB);
    const resubscribed = await subscribe(onB, articleId, onBSince);
    expect(resubscribed.seq).toBe(total);
    expect(resubscribed.missed.map((e) => e.seq)).toEqual(range(onBSince + 1, total));
    const dbSeqs = (
      await query<{ seq: number }>(
        database!.url,
        'SELECT seq FROM comment_events WHERE article_id = $1 ORDER BY seq',
        [articleId],
      )
    ).map((row) => Number(row.seq));
    expect(seqs(onB)).toEqual(dbSeqs);

    // presence (carried by Redis only) crosses instances again: onA, onB, back, plus one on A
    for (const server of [A, B]) {
      await waitFor(
        async () => (await metric(server.url, 'townhall_redis_connected')) === 1,
        5_000,
        `townhall_redis_connected 1 on ${server.url}`,
      );
    }
    await waitFor(
      () => [onA, onB, back].every((c) => c.readers === 3),
      10_000,
      describeClients({ onA, onB, back }),
    );
    const late = await subscribed(A.url, articleId);
    expect(late.ack?.readers).toBe(4);
    await waitFor(
      () => [onA, onB, back].every((c) => c.readers === 4),
      5_000,
      describeClients({ onA, onB, back }),
    );

    // live cross-instance delivery works again: a comment on A reaches B's clients at once
    // (relayed, not recovered by B's periodic check of the event log: B reads no log meanwhile)
    const logReadsOnB = await metric(B.url, 'townhall_event_log_reads_total');
    for (const i of range(total + 1, total + 3)) {
      const id = await comment(A.url, articleId, `after outage ${i}`);
      const latency = await waitFor(
        () => [onA, onB, back].every((c) => c.comments.some((e) => e.id === id)),
        3_000,
        describeClients({ onA, onB, back }),
      );
      expect(latency).toBeLessThan(1_000);
    }
    for (const client of [onA, onB, back]) {
      expect(seqs(client).slice(-3)).toEqual(range(total + 1, total + 3));
    }
    expect([...leaver.comments, ...back.comments].map((e) => e.seq)).toEqual(range(1, total + 3));
    expect(await metric(B.url, 'townhall_event_log_reads_total')).toBe(logReadsOnB);

    // a vote on B reaches A's client with the exact tallies
    expect(await vote(B.url, users[4]!, articleId, 'support', 'up')).toBe(200);
    const final = await tallies(A.url, articleId);
    expect(final).toEqual({ interesting: { up: 2, down: 0 }, support: { up: 2, down: 1 } });
    await waitFor(
      () => JSON.stringify(onA.tallies.at(-1)?.tallies) === JSON.stringify(final),
      5_000,
      () => `last tally on A ${JSON.stringify(onA.tallies.at(-1))}`,
    );
    for (const client of [onA, onB]) expectStrictlyIncreasingVersions(client);
  });
});
