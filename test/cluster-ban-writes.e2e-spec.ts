/**
 * The vote routes and the comment post identify their caller from each instance's principal
 * cache (no SELECT of the user per request, BanCheckedInWrite), so the ban check lives in the
 * write's own SQL. Proven here where the cache cannot help: two compiled servers on one
 * database but each with its own redis-server, so no user-changed event of A ever reaches B.
 * B's cache stays warm with the user as it was, and still a ban or an erasure made through A
 * stops the user's very next vote, comment, reply or pre-moderated comment on B, writing
 * nothing, and an unban lets them through again. `npm test` builds dist/ first.
 */
import request from 'supertest';
import {
  bearer,
  createArticle,
  loginAdmin,
  registerUser,
  type TestUser,
} from './support/factories';
import { clusterEnv } from './support/cluster';
import { killAllRedisServers, startRedisServer } from './support/redis-server';
import { killAllServers, type ServerProcess, startServer } from './support/server-process';
import {
  createTestDatabase,
  query,
  recountTallies,
  type TestDatabase,
} from './support/test-database';

jest.setTimeout(120_000);

describe('writes on B after a ban, unban or erasure through A, with no relay between them', () => {
  let database: TestDatabase;
  let A: ServerProcess;
  let B: ServerProcess;
  let admin: TestUser;
  let articleId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const [redisA, redisB] = await Promise.all([startRedisServer(), startRedisServer()]);
    // one after the other: both run the migrations on start
    A = await startServer(clusterEnv(database.url, redisA.url));
    B = await startServer(clusterEnv(database.url, redisB.url));
    admin = await loginAdmin(A.url);
    articleId = await createArticle(A.url, admin, { title: 'Voted on across instances' });
  });

  afterAll(async () => {
    await killAllServers();
    await killAllRedisServers();
    await database?.drop();
  });

  function vote(server: ServerProcess, user: TestUser, value: 'up' | 'down'): request.Test {
    return request(server.url)
      .put(`/api/articles/${articleId}/votes/interesting`)
      .set(...bearer(user))
      .send({ value });
  }

  async function storedVote(user: TestUser): Promise<string | null> {
    const rows = await query<{ value: string }>(
      database.url,
      `SELECT value FROM votes WHERE article_id = $1 AND user_id = $2 AND dimension = 'interesting'`,
      [articleId, user.id],
    );
    return rows[0]?.value ?? null;
  }

  async function tallyMatchesRecount(): Promise<void> {
    const { stored, counted } = await recountTallies(database.url, articleId);
    expect(counted).toEqual(stored);
  }

  it('a ban through A stops the next vote on B at once (403), and an unban lets it through', async () => {
    const voter = await registerUser(A.url);
    await vote(B, voter, 'up').expect(200); // B now holds the voter, unbanned, in its cache

    await request(A.url)
      .post(`/api/users/${voter.id}/ban`)
      .set(...bearer(admin))
      .send({ reason: 'vote brigading' })
      .expect(200);
    const refused = await vote(B, voter, 'down').expect(403);
    expect(refused.body).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: 'your account is banned',
    });
    await request(B.url)
      .delete(`/api/articles/${articleId}/votes/interesting`)
      .set(...bearer(voter))
      .expect(403);
    expect(await storedVote(voter)).toBe('up');

    await request(A.url)
      .delete(`/api/users/${voter.id}/ban`)
      .set(...bearer(admin))
      .expect(200);
    await vote(B, voter, 'down').expect(200);
    expect(await storedVote(voter)).toBe('down');
    await tallyMatchesRecount();
  });

  function comment(server: ServerProcess, user: TestUser, parentId?: string): request.Test {
    return request(server.url)
      .post(`/api/articles/${articleId}/comments`)
      .set(...bearer(user))
      .send(parentId ? { body: 'a reply', parentId } : { body: 'a comment' });
  }

  async function commentsBy(user: TestUser): Promise<number> {
    const [row] = await query<{ count: string }>(
      database.url,
      'SELECT count(*) FROM comments WHERE author_id = $1',
      [user.id],
    );
    return Number(row!.count);
  }

  async function setMode(mode: 'post' | 'pre'): Promise<void> {
    const current = await request(A.url)
      .get('/api/settings/moderation')
      .set(...bearer(admin))
      .expect(200);
    await request(A.url)
      .put('/api/settings/moderation')
      .set(...bearer(admin))
      .send({ ...(current.body as object), mode })
      .expect(200);
  }

  it('a ban through A stops the next comment, reply and held comment on B at once (403), and an unban lets them through', async () => {
    const author = await registerUser(A.url);
    const parent = await comment(B, author).expect(201); // B now holds the author in its cache
    const parentId = (parent.body as { id: string }).id;

    await request(A.url)
      .post(`/api/users/${author.id}/ban`)
      .set(...bearer(admin))
      .send({ reason: 'spam' })
      .expect(200);
    const banned = { statusCode: 403, error: 'Forbidden', message: 'your account is banned' };
    expect((await comment(B, author).expect(403)).body).toEqual(banned);
    expect((await comment(B, author, parentId).expect(403)).body).toEqual(banned);
    await setMode('pre');
    try {
      expect((await comment(B, author).expect(403)).body).toEqual(banned);
    } finally {
      await setMode('post');
    }
    expect(await commentsBy(author)).toBe(1);
    const [article] = await query<{ comment_count: number; comment_seq: number }>(
      database.url,
      'SELECT comment_count, comment_seq FROM articles WHERE id = $1',
      [articleId],
    );
    expect(article).toEqual({ comment_count: 1, comment_seq: 1 });

    await request(A.url)
      .delete(`/api/users/${author.id}/ban`)
      .set(...bearer(admin))
      .expect(200);
    await comment(B, author, parentId).expect(201);
    expect(await commentsBy(author)).toBe(2);
  });

  it('an erasure through A stops the next vote on B at once (401), and stores nothing', async () => {
    const voter = await registerUser(A.url);
    await vote(B, voter, 'up').expect(200);

    await request(A.url)
      .delete('/api/me')
      .set(...bearer(voter))
      .send({ password: voter.password })
      .expect(204);
    expect(await storedVote(voter)).toBeNull(); // erasure withdrew it
    const refused = await vote(B, voter, 'down').expect(401);
    expect(refused.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'missing or invalid access token',
    });
    expect(await storedVote(voter)).toBeNull();
    await tallyMatchesRecount();
    const gone = await comment(B, voter).expect(401);
    expect(gone.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'missing or invalid access token',
    });
    expect(await commentsBy(voter)).toBe(0);
  });
});
