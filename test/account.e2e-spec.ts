import request from 'supertest';
import {
  bearer,
  createArticle,
  loginAdmin,
  postComment,
  registerUser,
  type TestUser,
} from './support/factories';
import { connect, nextEvent, subscribe, type TestSocket } from './support/socket-clients';
import { startTestApp, type TestApp } from './support/test-app';
import { query } from './support/test-database';

describe('account self-service: export and erasure', () => {
  let t: TestApp;
  let admin: TestUser;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    t = await startTestApp({}, { listen: true });
    admin = await loginAdmin(t.http);
  });

  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    await t.close();
  });

  const vote = (user: TestUser, articleId: string, value: 'up' | 'down') =>
    request(t.http)
      .put(`/api/articles/${articleId}/votes/interesting`)
      .set(...bearer(user))
      .send({ value })
      .expect(200);

  async function setUp(): Promise<{
    alice: TestUser;
    bob: TestUser;
    articleId: string;
    ids: string[];
  }> {
    const articleId = await createArticle(t.http, admin);
    const alice = await registerUser(t.http);
    const bob = await registerUser(t.http);
    const bobs = await postComment(t.http, bob, articleId, 'bob writes').expect(201);
    const bobId = (bobs.body as { id: string }).id;
    const first = await postComment(t.http, alice, articleId, 'alice writes').expect(201);
    const reply = await postComment(t.http, alice, articleId, 'alice replies', bobId).expect(201);
    await vote(alice, articleId, 'up');
    await vote(bob, articleId, 'up');
    await request(t.http)
      .put(`/api/comments/${bobId}/vote`)
      .set(...bearer(alice))
      .send({ value: 'up' })
      .expect(200);
    await request(t.http)
      .post(`/api/comments/${bobId}/reports`)
      .set(...bearer(alice))
      .send({ reason: 'spam' })
      .expect(201);
    return {
      alice,
      bob,
      articleId,
      ids: [(first.body as { id: string }).id, (reply.body as { id: string }).id],
    };
  }

  it('exports everything stored about the user', async () => {
    const { alice, articleId, ids } = await setUp();
    const res = await request(t.http)
      .get('/api/me/export')
      .set(...bearer(alice))
      .expect(200);
    const body = res.body as Record<string, Record<string, unknown>[] & Record<string, unknown>>;
    expect(body.account).toMatchObject({ id: alice.id, username: alice.username, role: 'reader' });
    expect(body.account).not.toHaveProperty('passwordHash');
    expect(body.comments.map((c) => c.id)).toEqual(ids);
    expect(body.comments.map((c) => c.body)).toEqual(['alice writes', 'alice replies']);
    expect(body.votes).toEqual([
      expect.objectContaining({ articleId, dimension: 'interesting', value: 'up' }),
    ]);
    expect(body.commentVotes).toEqual([expect.objectContaining({ value: 'up' })]);
    expect(body.reports).toEqual([expect.objectContaining({ reason: 'spam' })]);
    expect(Array.isArray(body.notifications)).toBe(true);
    await request(t.http).get('/api/me/export').expect(401);
  });

  it('a wrong or missing password changes nothing', async () => {
    const { alice, articleId } = await setUp();
    await request(t.http)
      .delete('/api/me')
      .set(...bearer(alice))
      .send({ password: 'wrong-password' })
      .expect(403);
    await request(t.http)
      .delete('/api/me')
      .set(...bearer(alice))
      .send({})
      .expect(400);
    await request(t.http)
      .delete('/api/me')
      .set(...bearer(alice))
      .send({ password: 'x', other: 1 })
      .expect(400);
    await request(t.http)
      .get('/api/auth/me')
      .set(...bearer(alice))
      .expect(200);
    const article = await request(t.http).get(`/api/articles/${articleId}`).expect(200);
    expect(article.body).toMatchObject({ commentCount: 3, tallies: { interesting: { up: 2 } } });
  });

  it('erases: tombstones and withdrawn votes pushed live, tokens dead, username reserved', async () => {
    const { alice, bob, articleId, ids } = await setUp();
    const observer = await connect(t.url, bob.accessToken);
    sockets.push(observer);
    const aliceSocket = await connect(t.url, alice.accessToken);
    sockets.push(aliceSocket);
    expect(await subscribe(observer, { articleId })).toMatchObject({ ok: true });
    const removed = ids.map((id) =>
      nextEvent(observer, 'comment.removed', (e) => e.commentId === id),
    );
    const tally = nextEvent(observer, 'tally', (e) => e.tallies.interesting.up === 1);
    const score = nextEvent(observer, 'comment.score', (e) => e.score.up === 0);
    const closed = new Promise((resolve) => aliceSocket.once('disconnect', resolve));

    await request(t.http)
      .delete('/api/me')
      .set(...bearer(alice))
      .send({ password: alice.password })
      .expect(204);

    for (const event of await Promise.all(removed)) expect(event.status).toBe('deleted');
    expect((await tally).tallies.interesting).toEqual({ up: 1, down: 0 });
    // alice's vote on bob's comment is withdrawn too, live
    expect((await score).score).toEqual({ up: 0, down: 0 });
    await closed;

    const article = await request(t.http).get(`/api/articles/${articleId}`).expect(200);
    expect(article.body).toMatchObject({ commentCount: 1, tallies: { interesting: { up: 1 } } });
    const list = await request(t.http).get(`/api/articles/${articleId}/comments`).expect(200);
    const mine = (
      list.body as { items: { id: string; status: string; author: unknown }[] }
    ).items.filter((c) => ids.includes(c.id));
    expect(mine).toEqual([expect.objectContaining({ status: 'deleted', author: null })]);

    await request(t.http)
      .get('/api/auth/me')
      .set(...bearer(alice))
      .expect(401);
    await request(t.http)
      .post('/api/auth/refresh')
      .send({ refreshToken: alice.refreshToken })
      .expect(401);
    await request(t.http)
      .post('/api/auth/login')
      .send({ username: alice.username, password: alice.password })
      .expect(401);
    await request(t.http)
      .post('/api/auth/register')
      .send({ username: alice.username.toUpperCase(), password: 'password-123' })
      .expect(409);

    const [row] = await query<Record<string, unknown>>(
      t.database.url,
      'SELECT display_name, email, password_hash, erased_at FROM users WHERE id = $1',
      [alice.id],
    );
    expect(row).toMatchObject({ display_name: '[deleted]', email: null, password_hash: null });
    expect(row!.erased_at).not.toBeNull();
    const bodies = await query<{ body: string }>(
      t.database.url,
      'SELECT body FROM comments WHERE author_id = $1',
      [alice.id],
    );
    expect(bodies.map((b) => b.body)).toEqual(['', '']);
    const votes = await query(t.database.url, 'SELECT 1 FROM votes WHERE user_id = $1', [alice.id]);
    expect(votes).toEqual([]);
    const commentVotes = await query(
      t.database.url,
      'SELECT 1 FROM comment_votes WHERE user_id = $1',
      [alice.id],
    );
    expect(commentVotes).toEqual([]);
    const [scored] = await query<{ score_up: number }>(
      t.database.url,
      'SELECT score_up FROM comments WHERE author_id = $1 AND parent_id IS NULL',
      [bob.id],
    );
    expect(scored).toEqual({ score_up: 0 });
  });
});
