/**
 * README "Configuration": rate limits are counted in Redis when REDIS_URL is set, so they hold
 * across instances; comment edits count against RATE_LIMIT_COMMENTS like posts; and while Redis
 * is down every instance keeps limiting, in its own memory, without failing a request. Two
 * compiled servers with RATE_LIMITS=on and a test-owned redis-server that this file stops.
 */
import type { Cluster as RedisClusterClient, Redis } from 'ioredis';
import request from 'supertest';
import {
  bearer,
  countRows,
  createArticle,
  loginAdmin,
  postComment,
  registerUser,
  type TestUser,
} from './support/factories';
import { type Cluster, keysOf, startCluster, testRedisClient } from './support/cluster';
import type { ServerProcess } from './support/server-process';

jest.setTimeout(120_000);

const COMMENTS_PER_MINUTE = 3;

describe('rate limits across instances (RATE_LIMITS=on, REDIS_URL set)', () => {
  let cluster: Cluster | undefined;
  let A: ServerProcess;
  let B: ServerProcess;
  let articleId: string;

  beforeAll(async () => {
    cluster = await startCluster(2, {
      RATE_LIMITS: 'on',
      RATE_LIMIT_COMMENTS: `${COMMENTS_PER_MINUTE}/1m`,
      RATE_LIMIT_LOGIN_USER: '3/1m',
      // every user of this file registers and logs in from 127.0.0.1
      RATE_LIMIT_REGISTER: '1000/1h',
      RATE_LIMIT_LOGIN_IP: '1000/1m',
    });
    [A, B] = cluster.servers as [ServerProcess, ServerProcess];
    articleId = await createArticle(A.url, await loginAdmin(A.url));
  });
  afterAll(() => cluster?.close());

  function expectRateLimited(res: request.Response): void {
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(res.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
  }

  function edit(server: ServerProcess, user: TestUser, id: string, body: string): request.Test {
    return request(server.url)
      .patch(`/api/comments/${id}`)
      .set(...bearer(user))
      .send({ body });
  }

  async function commentsBy(user: TestUser): Promise<number> {
    return countRows(cluster!.database.url, 'comments', 'author_id = $1', [user.id]);
  }

  it("counts one user's comments once across both instances", async () => {
    const user = await registerUser(A.url);
    const other = await registerUser(B.url);

    await postComment(A.url, user, articleId, 'on A 1').expect(201);
    await postComment(B.url, user, articleId, 'on B').expect(201);
    await postComment(A.url, user, articleId, 'on A 2').expect(201);
    expectRateLimited(await postComment(B.url, user, articleId, 'one too many on B'));
    expectRateLimited(await postComment(A.url, user, articleId, 'one too many on A'));

    expect(await commentsBy(user)).toBe(COMMENTS_PER_MINUTE);
    await postComment(B.url, other, articleId, 'another user').expect(201);
  });

  it('counts comment edits against the comment limit, on whichever instance they arrive', async () => {
    const user = await registerUser(A.url);
    const posted = await postComment(A.url, user, articleId, 'first version').expect(201);
    const id = (posted.body as { id: string }).id;

    await edit(B, user, id, 'second version').expect(200);
    await edit(A, user, id, 'third version').expect(200);
    expectRateLimited(await edit(B, user, id, 'fourth version'));
    expectRateLimited(await postComment(A.url, user, articleId, 'a new comment'));

    const stored = await request(A.url).get(`/api/articles/${articleId}/comments?limit=100`);
    const comment = (stored.body as { items: { id: string; body: string }[] }).items.find(
      (item) => item.id === id,
    );
    expect(comment?.body).toBe('third version');
    expect(await commentsBy(user)).toBe(1);
  });

  it('counts failed logins for one username across instances', async () => {
    const victim = await registerUser(A.url);
    const login = (server: ServerProcess, password: string): request.Test =>
      request(server.url).post('/api/auth/login').send({ username: victim.username, password });

    await login(A, 'wrong-password-1').expect(401);
    await login(B, 'wrong-password-2').expect(401);
    await login(A, 'wrong-password-3').expect(401);
    const fourth = await login(B, victim.password);

    expectRateLimited(fourth);
    expect(fourth.body).not.toHaveProperty('accessToken');
  });

  describe('while Redis is down', () => {
    let redis: Redis | RedisClusterClient;

    beforeAll(() => {
      redis = testRedisClient(cluster!.redis);
    });
    afterAll(() => redis.disconnect());

    it('each instance keeps limiting in memory, fails no request, and shares counts again once Redis is back', async () => {
      const user = await registerUser(A.url);
      await cluster!.redis.stop();
      for (const server of [A, B]) {
        // the outage is real: readiness says so on both
        expect((await request(server.url).get('/health')).status).toBe(503);
      }

      // counted per instance now: the limit holds on each, a request never fails otherwise
      for (const server of [A, B]) {
        for (let i = 1; i <= COMMENTS_PER_MINUTE; i++) {
          await postComment(server.url, user, articleId, `outage ${server.port} ${i}`).expect(201);
        }
        expectRateLimited(await postComment(server.url, user, articleId, 'over, in memory'));
      }
      expect(await commentsBy(user)).toBe(2 * COMMENTS_PER_MINUTE);

      await cluster!.redis.start();
      await redis.connect();
      // each instance's rate-limit connection is back once a fresh user's count shows up in Redis
      for (const server of [A, B]) {
        await waitUntil(async () => {
          const probe = await registerUser(server.url);
          await postComment(server.url, probe, articleId, 'probe').expect(201);
          return (await keysOf(redis, `*townhall:rl:comments:uid:${probe.id}*`)).length > 0;
        }, `rate limits counted in Redis again by ${server.url}`);
      }

      const later = await registerUser(B.url);
      await postComment(A.url, later, articleId, 'back 1').expect(201);
      await postComment(B.url, later, articleId, 'back 2').expect(201);
      await postComment(A.url, later, articleId, 'back 3').expect(201);
      expectRateLimited(await postComment(B.url, later, articleId, 'back, over'));
    });
  });
});

/** Polls `check` every 100 ms until it holds, for up to 15 s. */
async function waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
