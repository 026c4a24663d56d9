import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import type { App } from 'supertest/types';
import { bearer, loginAdmin, registerUser, type TestUser } from './support/factories';
import { seededRandom } from './support/seeded-random';
import { startTestApp, type TestApp } from './support/test-app';
import { query } from './support/test-database';

type Dimension = 'interesting' | 'support';
type VoteValue = 'up' | 'down';
type Op = VoteValue | 'delete';

interface Count {
  up: number;
  down: number;
}
type Tallies = Record<Dimension, Count>;
type MyVotes = Record<Dimension, VoteValue | null>;

interface VoteResult {
  tallies: Tallies;
  myVote: VoteValue | null;
}

interface Article {
  id: string;
  tallies: Tallies;
  myVotes?: MyVotes;
}

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
}

const DIMENSIONS: readonly Dimension[] = ['interesting', 'support'];
const OPS: readonly Op[] = ['up', 'down', 'delete'];
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const NO_VOTES: MyVotes = { interesting: null, support: null };

function zeroTallies(): Tallies {
  return { interesting: { up: 0, down: 0 }, support: { up: 0, down: 0 } };
}

function valueAfter(op: Op): VoteValue | null {
  return op === 'delete' ? null : op;
}

function messageOf(body: ErrorBody): string {
  return Array.isArray(body.message) ? body.message.join('; ') : body.message;
}

function expectError(
  res: request.Response,
  statusCode: number,
  error: string,
  mentions?: RegExp,
): void {
  expect(res.status).toBe(statusCode);
  const body = res.body as ErrorBody;
  expect(body).toEqual(expect.objectContaining({ statusCode, error }));
  expect(messageOf(body)).toEqual(expect.any(String));
  if (mentions) expect(messageOf(body)).toMatch(mentions);
}

/** Sends one vote operation; `user` null sends it anonymously. */
function voteCall(
  http: App,
  user: TestUser | null,
  articleId: string,
  dimension: string,
  op: Op,
): request.Test {
  const path = `/api/articles/${articleId}/votes/${dimension}`;
  const call =
    op === 'delete' ? request(http).delete(path) : request(http).put(path).send({ value: op });
  return user ? call.set(...bearer(user)) : call;
}

async function createArticle(http: App, admin: TestUser): Promise<Article> {
  const res = await request(http)
    .post('/api/articles')
    .set(...bearer(admin))
    .send({
      category: 'World',
      title: `Votes are counted ${randomBytes(4).toString('hex')}`,
      body: 'Body.',
      keyTakeaways: ['One'],
      followUps: [],
    })
    .expect(201);
  return res.body as Article;
}

async function getArticle(http: App, id: string, user: TestUser | null): Promise<Article> {
  const call = request(http).get(`/api/articles/${id}`);
  const res = await (user ? call.set(...bearer(user)) : call).expect(200);
  return res.body as Article;
}

/** Tallies recounted from the votes table. */
async function recount(databaseUrl: string, articleId: string): Promise<Tallies> {
  const rows = await query<{ dimension: Dimension; value: VoteValue; count: string }>(
    databaseUrl,
    'SELECT dimension, value, count(*) FROM votes WHERE article_id = $1 GROUP BY 1, 2',
    [articleId],
  );
  const tallies = zeroTallies();
  for (const row of rows) tallies[row.dimension][row.value] += Number(row.count);
  return tallies;
}

/** The stored votes of an article as `userId/dimension` → value. */
async function storedVotes(
  databaseUrl: string,
  articleId: string,
): Promise<Map<string, VoteValue>> {
  const rows = await query<{ user_id: string; dimension: Dimension; value: VoteValue }>(
    databaseUrl,
    'SELECT user_id, dimension, value FROM votes WHERE article_id = $1',
    [articleId],
  );
  return new Map(rows.map((row) => [`${row.user_id}/${row.dimension}`, row.value]));
}

async function talliesVersion(databaseUrl: string, articleId: string): Promise<number> {
  const [row] = await query<{ tallies_version: string | number }>(
    databaseUrl,
    'SELECT tallies_version FROM articles WHERE id = $1',
    [articleId],
  );
  if (!row) throw new Error(`no article ${articleId}`);
  return Number(row.tallies_version);
}

async function registerMany(http: App, count: number, batch = 20): Promise<TestUser[]> {
  const users: TestUser[] = [];
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start);
    users.push(...(await Promise.all(Array.from({ length: size }, () => registerUser(http)))));
  }
  return users;
}

describe('votes (HTTP)', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t.http);
  });
  afterAll(() => t.close());

  function vote(user: TestUser | null, articleId: string, dimension: string, op: Op): request.Test {
    return voteCall(t.http, user, articleId, dimension, op);
  }

  async function voteOk(
    user: TestUser,
    articleId: string,
    dimension: Dimension,
    op: Op,
  ): Promise<VoteResult> {
    const res = await vote(user, articleId, dimension, op);
    expect(res.status).toBe(200);
    const body = res.body as VoteResult;
    expect(Object.keys(body).sort()).toEqual(['myVote', 'tallies']);
    expect(body.myVote).toBe(valueAfter(op));
    return body;
  }

  it('casts a vote, ignores a repeat, moves a changed vote and retracts it', async () => {
    const article = await createArticle(t.http, admin);
    const voter = await registerUser(t.http);
    const expected = zeroTallies();

    const first = await voteOk(voter, article.id, 'interesting', 'up');
    expected.interesting.up = 1;
    expect(first).toEqual({ tallies: expected, myVote: 'up' });
    expect(await recount(t.database.url, article.id)).toEqual(expected);

    const repeated = await voteOk(voter, article.id, 'interesting', 'up');
    expect(repeated).toEqual({ tallies: expected, myVote: 'up' });
    expect(await recount(t.database.url, article.id)).toEqual(expected);

    const moved = await voteOk(voter, article.id, 'interesting', 'down');
    expected.interesting = { up: 0, down: 1 };
    expect(moved).toEqual({ tallies: expected, myVote: 'down' });
    expect(await recount(t.database.url, article.id)).toEqual(expected);
    expect((await getArticle(t.http, article.id, null)).tallies).toEqual(expected);

    const retracted = await voteOk(voter, article.id, 'interesting', 'delete');
    expect(retracted).toEqual({ tallies: zeroTallies(), myVote: null });
    expect(await recount(t.database.url, article.id)).toEqual(zeroTallies());
    expect((await getArticle(t.http, article.id, voter)).myVotes).toEqual(NO_VOTES);
  });

  it('answers 200 and changes nothing when retracting a vote that does not exist', async () => {
    const article = await createArticle(t.http, admin);
    const voter = await registerUser(t.http);
    const other = await registerUser(t.http);
    await voteOk(other, article.id, 'support', 'down');
    const expected = zeroTallies();
    expected.support.down = 1;
    const versionBefore = await talliesVersion(t.database.url, article.id);

    const res = await voteOk(voter, article.id, 'support', 'delete');
    expect(res).toEqual({ tallies: expected, myVote: null });
    const never = await voteOk(voter, article.id, 'interesting', 'delete');
    expect(never).toEqual({ tallies: expected, myVote: null });

    expect(await recount(t.database.url, article.id)).toEqual(expected);
    expect(await talliesVersion(t.database.url, article.id)).toBe(versionBefore);
    expect((await getArticle(t.http, article.id, null)).tallies).toEqual(expected);
  });

  it('keeps the two dimensions independent', async () => {
    const article = await createArticle(t.http, admin);
    const voter = await registerUser(t.http);

    await voteOk(voter, article.id, 'interesting', 'up');
    const both = await voteOk(voter, article.id, 'support', 'down');
    expect(both.tallies).toEqual({ interesting: { up: 1, down: 0 }, support: { up: 0, down: 1 } });

    const changed = await voteOk(voter, article.id, 'support', 'up');
    expect(changed.tallies).toEqual({
      interesting: { up: 1, down: 0 },
      support: { up: 1, down: 0 },
    });

    const retracted = await voteOk(voter, article.id, 'interesting', 'delete');
    expect(retracted.tallies).toEqual({
      interesting: { up: 0, down: 0 },
      support: { up: 1, down: 0 },
    });
    expect((await getArticle(t.http, article.id, voter)).myVotes).toEqual({
      interesting: null,
      support: 'up',
    });
    expect(await recount(t.database.url, article.id)).toEqual(retracted.tallies);
  });

  it('shows myVotes to the voter only, nulls to another user and no key to anonymous', async () => {
    const article = await createArticle(t.http, admin);
    const voter = await registerUser(t.http);
    const other = await registerUser(t.http);
    await voteOk(voter, article.id, 'interesting', 'down');
    await voteOk(voter, article.id, 'support', 'up');
    const expected = { interesting: { up: 0, down: 1 }, support: { up: 1, down: 0 } };

    const mine = await getArticle(t.http, article.id, voter);
    expect(mine.myVotes).toEqual({ interesting: 'down', support: 'up' });
    expect(mine.tallies).toEqual(expected);

    const theirs = await getArticle(t.http, article.id, other);
    expect(theirs.myVotes).toEqual(NO_VOTES);
    expect(theirs.tallies).toEqual(expected);

    const anonymous = await getArticle(t.http, article.id, null);
    expect(anonymous).not.toHaveProperty('myVotes');
    expect(anonymous.tallies).toEqual(expected);
  });

  it('rejects an unknown dimension with 400', async () => {
    const article = await createArticle(t.http, admin);
    const voter = await registerUser(t.http);
    for (const op of ['up', 'delete'] as const) {
      expectError(await vote(voter, article.id, 'bogus', op), 400, 'Bad Request', /dimension/);
    }
    expect(await recount(t.database.url, article.id)).toEqual(zeroTallies());
  });

  it.each([
    ['sideways', { value: 'sideways' }],
    ['a number', { value: 1 }],
    ['null', { value: null }],
    ['upper case', { value: 'UP' }],
    ['missing', {}],
  ])('rejects a value that is %s with 400 naming the field', async (_label, body) => {
    const article = await createArticle(t.http, admin);
    const voter = await registerUser(t.http);
    const res = await request(t.http)
      .put(`/api/articles/${article.id}/votes/interesting`)
      .set(...bearer(voter))
      .send(body);
    expectError(res, 400, 'Bad Request', /value/);
    expect(await recount(t.database.url, article.id)).toEqual(zeroTallies());
    expect((await getArticle(t.http, article.id, null)).tallies).toEqual(zeroTallies());
  });

  it('rejects an unknown field with 400 naming it', async () => {
    const article = await createArticle(t.http, admin);
    const voter = await registerUser(t.http);
    const res = await request(t.http)
      .put(`/api/articles/${article.id}/votes/support`)
      .set(...bearer(voter))
      .send({ value: 'up', weight: 10 });
    expectError(res, 400, 'Bad Request', /weight/);
    expect(await recount(t.database.url, article.id)).toEqual(zeroTallies());
  });

  it('rejects a malformed article id with 400', async () => {
    const voter = await registerUser(t.http);
    for (const id of ['not-a-uuid', '123', `${UNKNOWN_ID}x`]) {
      for (const op of ['up', 'delete'] as const) {
        expectError(await vote(voter, id, 'interesting', op), 400, 'Bad Request', /id/);
      }
    }
  });

  it('answers 404 for an article that does not exist', async () => {
    const voter = await registerUser(t.http);
    for (const id of [UNKNOWN_ID, randomUUID()]) {
      for (const op of ['up', 'down', 'delete'] as const) {
        expectError(await vote(voter, id, 'support', op), 404, 'Not Found');
      }
    }
    const [row] = await query<{ count: string }>(
      t.database.url,
      'SELECT count(*) FROM votes WHERE user_id = $1',
      [voter.id],
    );
    expect(Number(row?.count)).toBe(0);
  });

  it('answers 401 to an anonymous or badly authenticated voter', async () => {
    const article = await createArticle(t.http, admin);
    for (const op of ['up', 'delete'] as const) {
      expectError(await vote(null, article.id, 'interesting', op), 401, 'Unauthorized');
      expectError(
        await vote(null, article.id, 'interesting', op).set('Authorization', 'Bearer nonsense'),
        401,
        'Unauthorized',
      );
    }
    expect(await recount(t.database.url, article.id)).toEqual(zeroTallies());
  });

  it('answers 403 to a banned user at once, with the token issued before the ban', async () => {
    const article = await createArticle(t.http, admin);
    const voter = await registerUser(t.http);
    await voteOk(voter, article.id, 'interesting', 'up');

    await request(t.http)
      .post(`/api/users/${voter.id}/ban`)
      .set(...bearer(admin))
      .send({ reason: 'vote brigading' })
      .expect(200);

    expectError(await vote(voter, article.id, 'interesting', 'down'), 403, 'Forbidden');
    expectError(await vote(voter, article.id, 'interesting', 'delete'), 403, 'Forbidden');
    expectError(await vote(voter, article.id, 'support', 'up'), 403, 'Forbidden');

    const expected = zeroTallies();
    expected.interesting.up = 1;
    expect(await recount(t.database.url, article.id)).toEqual(expected);
    expect((await getArticle(t.http, article.id, null)).tallies).toEqual(expected);
  });

  it('lets one user vote 30 times in quick succession when RATE_LIMITS is off', async () => {
    const article = await createArticle(t.http, admin);
    const voter = await registerUser(t.http);
    const ops: Op[] = Array.from({ length: 30 }, (_, i) => OPS[i % OPS.length]!);
    for (const [i, op] of ops.entries()) {
      const res = await vote(voter, article.id, DIMENSIONS[i % 2]!, op);
      expect(res.status).toBe(200);
    }
    // the last operation per dimension decides: i=28 (interesting, down), i=29 (support, delete)
    const article2 = await getArticle(t.http, article.id, voter);
    expect(article2.myVotes).toEqual({ interesting: 'down', support: null });
    expect(article2.tallies).toEqual(await recount(t.database.url, article.id));
    expect(article2.tallies).toEqual({
      interesting: { up: 0, down: 1 },
      support: { up: 0, down: 0 },
    });
  });
});

describe('votes under concurrency (HTTP)', () => {
  const USERS = 120;
  const OPS_PER_DIMENSION = 3;
  let t: TestApp;
  let admin: TestUser;
  let article: Article;
  let users: TestUser[];

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t.http);
    article = await createArticle(t.http, admin);
    users = await registerMany(t.http, USERS);
  }, 60_000);
  afterAll(() => t.close());

  function vote(user: TestUser, dimension: Dimension, op: Op): request.Test {
    return voteCall(t.http, user, article.id, dimension, op);
  }

  /** The article's tallies (GET), checked against a recount of the votes table. */
  async function consistentTallies(when: string): Promise<Tallies> {
    const shown = (await getArticle(t.http, article.id, null)).tallies;
    const recounted = await recount(t.database.url, article.id);
    expect({ when, tallies: shown }).toEqual({ when, tallies: recounted });
    return shown;
  }

  it('keeps tallies equal to the stored votes when 120 users vote at once', async () => {
    const random = seededRandom("votes.e2e-spec: the 120 users' vote plans");
    const versionBefore = await talliesVersion(t.database.url, article.id);
    const plans = users.map((user) => ({
      user,
      ops: Object.fromEntries(
        DIMENSIONS.map((d) => [
          d,
          Array.from({ length: OPS_PER_DIMENSION }, () => OPS[random.int(0, OPS.length)]!),
        ]),
      ) as Record<Dimension, Op[]>,
    }));
    const statuses: number[] = [];
    const wrongAnswers: string[] = [];

    await Promise.all(
      plans.flatMap(({ user, ops }) =>
        DIMENSIONS.map(async (dimension) => {
          // one user's operations on one dimension in order; everything else in parallel
          for (const op of ops[dimension]) {
            const res = await vote(user, dimension, op);
            statuses.push(res.status);
            const body = res.body as VoteResult;
            if (res.status === 200 && body.myVote !== valueAfter(op)) {
              wrongAnswers.push(`${user.username} ${dimension} ${op} → ${String(body.myVote)}`);
            }
          }
        }),
      ),
    );

    expect(statuses).toHaveLength(USERS * DIMENSIONS.length * OPS_PER_DIMENSION);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(wrongAnswers).toEqual([]);

    const expected = zeroTallies();
    const expectedRows = new Map<string, VoteValue>();
    let changes = 0;
    for (const { user, ops } of plans) {
      for (const dimension of DIMENSIONS) {
        let state: VoteValue | null = null;
        for (const op of ops[dimension]) {
          const next = valueAfter(op);
          if (next !== state) changes += 1;
          state = next;
        }
        if (state) {
          expected[dimension][state] += 1;
          expectedRows.set(`${user.id}/${dimension}`, state);
        }
      }
    }

    const tallies = await consistentTallies('after 120 users voted');
    expect(tallies).toEqual(expected);
    expect(await storedVotes(t.database.url, article.id)).toEqual(expectedRows);

    const versionAfter = await talliesVersion(t.database.url, article.id);
    expect(versionAfter).toBeGreaterThan(versionBefore);
    // each committed group of changes moves the version on by one: votes that arrive together
    // are committed together, so there are at most as many versions as changes
    expect(versionAfter - versionBefore).toBeLessThanOrEqual(changes);

    // each user sees their own final votes
    const sample = plans.slice(0, 10);
    const seen = await Promise.all(sample.map(({ user }) => getArticle(t.http, article.id, user)));
    seen.forEach((a, i) => {
      const { user } = sample[i]!;
      expect(a.myVotes).toEqual({
        interesting: expectedRows.get(`${user.id}/interesting`) ?? null,
        support: expectedRows.get(`${user.id}/support`) ?? null,
      });
    });
  }, 45_000);

  it('counts 20 identical votes sent at once by one user exactly once', async () => {
    const voter = await registerUser(t.http);
    const before = await consistentTallies('before the identical votes');
    const versionBefore = await talliesVersion(t.database.url, article.id);

    const responses = await Promise.all(
      Array.from({ length: 20 }, () => vote(voter, 'interesting', 'up')),
    );
    expect(responses.map((r) => r.status)).toEqual(Array<number>(20).fill(200));
    for (const res of responses) expect((res.body as VoteResult).myVote).toBe('up');

    const after = await consistentTallies('after the identical votes');
    expect(after).toEqual({
      interesting: { up: before.interesting.up + 1, down: before.interesting.down },
      support: before.support,
    });
    const rows = await query<{ dimension: string; value: string }>(
      t.database.url,
      'SELECT dimension, value FROM votes WHERE article_id = $1 AND user_id = $2',
      [article.id, voter.id],
    );
    expect(rows).toEqual([{ dimension: 'interesting', value: 'up' }]);
    expect(await talliesVersion(t.database.url, article.id)).toBeGreaterThan(versionBefore);
  });

  it('stays consistent when one user sends 20 alternating up/down/delete at once', async () => {
    const voter = await registerUser(t.http);
    for (let round = 0; round < 5; round += 1) {
      const versionBefore = await talliesVersion(t.database.url, article.id);
      const sent = DIMENSIONS.flatMap((dimension) =>
        Array.from({ length: 20 }, (_, i) => ({ dimension, op: OPS[i % OPS.length]! })),
      );
      const responses = await Promise.all(
        sent.map(({ dimension, op }) => vote(voter, dimension, op)),
      );
      expect(responses.map((r) => r.status)).toEqual(Array<number>(sent.length).fill(200));
      responses.forEach((res, i) => {
        expect((res.body as VoteResult).myVote).toBe(valueAfter(sent[i]!.op));
      });

      await consistentTallies(`after alternating round ${round + 1} of 5`);
      const rows = await query<{ dimension: Dimension; value: VoteValue }>(
        t.database.url,
        'SELECT dimension, value FROM votes WHERE article_id = $1 AND user_id = $2',
        [article.id, voter.id],
      );
      for (const dimension of DIMENSIONS) {
        expect(rows.filter((row) => row.dimension === dimension).length).toBeLessThanOrEqual(1);
      }
      const mine = (await getArticle(t.http, article.id, voter)).myVotes;
      expect(mine).toEqual({
        interesting: rows.find((row) => row.dimension === 'interesting')?.value ?? null,
        support: rows.find((row) => row.dimension === 'support')?.value ?? null,
      });
      expect(await talliesVersion(t.database.url, article.id)).toBeGreaterThan(versionBefore);
    }
  }, 30_000);

  it('keeps every article exact when 60 users vote on 12 articles at once, one deleted meanwhile', async () => {
    const articles = await Promise.all(
      Array.from({ length: 12 }, () => createArticle(t.http, admin)),
    );
    const doomed = articles[5]!;
    const voters = users.slice(0, 60);
    const sent = voters.flatMap((user, u) =>
      articles.flatMap((target, a) =>
        DIMENSIONS.map((dimension, d) => ({
          user,
          target,
          dimension,
          op: OPS[(u + a + d) % OPS.length]!,
        })),
      ),
    );
    const deletion = new Promise<request.Response>((resolve, reject) => {
      // while the votes are in flight
      setTimeout(() => {
        request(t.http)
          .delete(`/api/articles/${doomed.id}`)
          .set(...bearer(admin))
          .then(resolve, reject);
      }, 20);
    });
    const responses = await Promise.all(
      sent.map(({ user, target, dimension, op }) =>
        voteCall(t.http, user, target.id, dimension, op),
      ),
    );
    expect((await deletion).status).toBe(204);

    const unexpected = responses.flatMap((res, i) => {
      const { target, op } = sent[i]!;
      if (res.status === 200 && (res.body as VoteResult).myVote === valueAfter(op)) return [];
      // the deleted article's votes may come after its deletion: 404 then, nothing else
      if (target === doomed && res.status === 404) return [];
      return [`${target.id} ${op}: ${res.status} ${JSON.stringify(res.body)}`];
    });
    expect(unexpected).toEqual([]);

    for (const target of articles.filter((a) => a !== doomed)) {
      const shown = (await getArticle(t.http, target.id, null)).tallies;
      expect({ article: target.id, tallies: shown }).toEqual({
        article: target.id,
        tallies: await recount(t.database.url, target.id),
      });
      const expected = new Map<string, VoteValue>();
      for (const { user, dimension, op } of sent.filter((v) => v.target === target)) {
        const value = valueAfter(op);
        if (value) expected.set(`${user.id}/${dimension}`, value);
      }
      expect(await storedVotes(t.database.url, target.id)).toEqual(expected);
    }
    expect(await storedVotes(t.database.url, doomed.id)).toEqual(new Map());
  }, 60_000);
});

describe('votes rate limit (HTTP)', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMITS: 'on', RATE_LIMIT_VOTES: '5/1m' });
    admin = await loginAdmin(t.http);
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After to the 6th vote in a minute, and not to another user', async () => {
    const article = await createArticle(t.http, admin);
    const voter = await registerUser(t.http);
    const other = await registerUser(t.http);

    const ops: Op[] = ['up', 'down', 'delete', 'down', 'up'];
    for (const op of ops) {
      const res = await voteCall(t.http, voter, article.id, 'interesting', op);
      expect(res.status).toBe(200);
      expect((res.body as VoteResult).myVote).toBe(valueAfter(op));
    }

    const limited = await voteCall(t.http, voter, article.id, 'support', 'down');
    expectError(limited, 429, 'Too Many Requests');
    const retryAfter = limited.headers['retry-after'] as string | undefined;
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    // the refused vote was not stored
    expectError(
      await voteCall(t.http, voter, article.id, 'interesting', 'delete'),
      429,
      'Too Many Requests',
    );
    const expected = { interesting: { up: 1, down: 0 }, support: { up: 0, down: 0 } };
    expect(await recount(t.database.url, article.id)).toEqual(expected);

    const theirs = await voteCall(t.http, other, article.id, 'support', 'up');
    expect(theirs.status).toBe(200);
    expect(theirs.body).toEqual({
      tallies: { interesting: { up: 1, down: 0 }, support: { up: 1, down: 0 } },
      myVote: 'up',
    });
  });
});
