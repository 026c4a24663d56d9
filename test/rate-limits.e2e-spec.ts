import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import request from 'supertest';
import {
  createArticle as createArticleAs,
  postComment as postCommentAs,
  bearer,
  countRows,
  loginAdmin,
  registerUser,
  type TestUser,
  uniqueName,
} from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';
import { TEST_REDIS_URL } from './support/test-database';

/** The limits of the contract's rate-limited routes, made small enough to reach in a test. */
const LIMITED = {
  RATE_LIMITS: 'on',
  RATE_LIMIT_COMMENTS: '3/1m',
  RATE_LIMIT_REPORTS: '2/1m',
  RATE_LIMIT_LOGIN_IP: '100/1m',
  RATE_LIMIT_LOGIN_USER: '3/1m',
  RATE_LIMIT_REGISTER: '4/1h',
};

function createArticle(t: TestApp, admin: TestUser): Promise<string> {
  return createArticleAs(t.http, admin, { title: `Rate limits ${randomBytes(4).toString('hex')}` });
}

function postComment(t: TestApp, user: TestUser, articleId: string, body: string): request.Test {
  return postCommentAs(t.http, user, articleId, body);
}

function expectRateLimited(res: request.Response, windowSeconds: number): void {
  expect(res.status).toBe(429);
  const retryAfter = res.headers['retry-after'];
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThan(0);
  expect(Number(retryAfter)).toBeLessThanOrEqual(windowSeconds);
  expect(res.body).toEqual({
    statusCode: 429,
    error: 'Too Many Requests',
    message: expect.any(String),
  });
  expect((res.body as { message: string }).message.length).toBeGreaterThan(0);
}

describe('rate limits: comments (RATE_LIMITS=on)', () => {
  let t: TestApp;
  let admin: TestUser;
  let articleId: string;

  beforeAll(async () => {
    t = await startTestApp(LIMITED);
    admin = await loginAdmin(t.http);
    articleId = await createArticle(t, admin);
  });
  afterAll(() => t.close());

  it("answers the 4th comment of one user with 429 and Retry-After; other users' comments still pass", async () => {
    const alice = await registerUser(t.http);
    const bob = await registerUser(t.http);

    for (let i = 1; i <= 3; i++) {
      await postComment(t, alice, articleId, `alice ${i}`).expect(201);
    }
    const fourth = await postComment(t, alice, articleId, 'alice 4');

    expectRateLimited(fourth, 60);
    expect(await countRows(t.database.url, 'comments', 'author_id = $1', [alice.id])).toBe(3);

    const byBob = await postComment(t, bob, articleId, 'bob 1').expect(201);
    expect(byBob.body).toMatchObject({ body: 'bob 1', author: { id: bob.id } });
    // alice stays limited
    await postComment(t, alice, articleId, 'alice 5').expect(429);
  });
});

describe('rate limits: reports (RATE_LIMITS=on)', () => {
  let t: TestApp;
  let admin: TestUser;
  let articleId: string;

  beforeAll(async () => {
    t = await startTestApp(LIMITED);
    admin = await loginAdmin(t.http);
    articleId = await createArticle(t, admin);
  });
  afterAll(() => t.close());

  it('answers the 3rd report of one user with 429; another user can still report', async () => {
    const author = await registerUser(t.http);
    const reporter = await registerUser(t.http);
    const other = await registerUser(t.http);
    const ids: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const res = await postComment(t, author, articleId, `reportable ${i}`).expect(201);
      ids.push((res.body as { id: string }).id);
    }
    const report = (user: TestUser, id: string): request.Test =>
      request(t.http)
        .post(`/api/comments/${id}/reports`)
        .set(...bearer(user))
        .send({ reason: 'spam' });

    await report(reporter, ids[0]!).expect(201);
    await report(reporter, ids[1]!).expect(201);
    const third = await report(reporter, ids[2]!);

    expectRateLimited(third, 60);
    expect(
      await countRows(t.database.url, 'comment_reports', 'reporter_id = $1', [reporter.id]),
    ).toBe(2);
    await report(other, ids[2]!).expect(201);
  });
});

describe('rate limits: login (RATE_LIMITS=on)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(LIMITED);
  });
  afterAll(() => t.close());

  it('after 3 failed attempts for one username the 4th is 429 even with the right password; others still log in', async () => {
    const victim = await registerUser(t.http);
    const bystander = await registerUser(t.http);
    const login = (username: string, password: string): request.Test =>
      request(t.http).post('/api/auth/login').send({ username, password });

    for (let i = 0; i < 3; i++) {
      await login(victim.username, 'wrong-password').expect(401);
    }
    const fourth = await login(victim.username, victim.password);

    expectRateLimited(fourth, 60);
    expect(fourth.body).not.toHaveProperty('accessToken');
    // the username is counted regardless of case
    await login(victim.username.toUpperCase(), victim.password).expect(429);

    const other = await login(bystander.username, bystander.password).expect(200);
    expect(other.body).toMatchObject({
      user: { id: bystander.id },
      accessToken: expect.any(String),
    });
  });
});

describe('rate limits: register (RATE_LIMITS=on)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(LIMITED);
  });
  afterAll(() => t.close());

  it('answers the 5th registration from one IP with 429 and creates no user', async () => {
    for (let i = 0; i < 4; i++) await registerUser(t.http);
    const username = uniqueName('fifth');

    const fifth = await request(t.http)
      .post('/api/auth/register')
      .send({ username, password: 'password-123' });

    expectRateLimited(fifth, 3600);
    expect(await countRows(t.database.url, 'users', 'username = $1', [username])).toBe(0);
  });
});

describe('rate limits: RATE_LIMITS=off', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMITS: 'off', RATE_LIMIT_COMMENTS: '1/1m' });
  });
  afterAll(() => t.close());

  it('lets 5 comments in a row pass although the configured limit is 1 per minute', async () => {
    const admin = await loginAdmin(t.http);
    const articleId = await createArticle(t, admin);
    const user = await registerUser(t.http);

    for (let i = 1; i <= 5; i++) {
      const res = await postComment(t, user, articleId, `unlimited ${i}`);
      expect({ i, status: res.status }).toEqual({ i, status: 201 });
    }
    expect(await countRows(t.database.url, 'comments', 'author_id = $1', [user.id])).toBe(5);
  });
});

describe('rate limits: counted in Redis when REDIS_URL is set', () => {
  let t: TestApp;
  let redis: Redis;
  const mine: string[] = [];

  /** Every rate-limit key in Redis (the storage may wrap it in a `{…}` hash tag). */
  async function rateLimitKeys(): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', '*townhall:rl:*', 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return keys;
  }

  /** Keys this test made: its users' and this machine's IP (register, login) counters. */
  async function myKeys(): Promise<string[]> {
    return (await rateLimitKeys()).filter(
      (key) =>
        key.includes('127.0.0.1') ||
        key.includes(':user:admin') ||
        mine.some((id) => key.includes(id)),
    );
  }

  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    // counters a previous, interrupted run may have left behind
    const stale = await myKeys();
    if (stale.length > 0) await redis.del(...stale);
    t = await startTestApp({
      RATE_LIMITS: 'on',
      RATE_LIMIT_COMMENTS: '2/1m',
      REDIS_URL: TEST_REDIS_URL,
    });
  });
  afterAll(async () => {
    await t?.close();
    const keys = await myKeys();
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('still limits (3rd comment → 429) and keeps its counters in Redis under townhall:rl:', async () => {
    const admin = await loginAdmin(t.http);
    const articleId = await createArticle(t, admin);
    const user = await registerUser(t.http);
    mine.push(user.id);

    await postComment(t, user, articleId, 'first').expect(201);
    await postComment(t, user, articleId, 'second').expect(201);
    const third = await postComment(t, user, articleId, 'third');

    expectRateLimited(third, 60);
    const keys = (await rateLimitKeys()).filter((key) => key.includes(user.id));
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).toMatch(new RegExp(`^\\{?townhall:rl:comments:uid:${user.id}`));
    }
    const ttl = await redis.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });
});
