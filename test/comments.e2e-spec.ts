import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import request from 'supertest';
import type { CommentChangedEvent } from '../src/comments/comment.events';
import { DomainEventBus } from '../src/common/events/domain-event-bus';
import {
  bearer,
  countRows,
  createArticle as createArticleAs,
  loginAdmin,
  registerUser,
  type TestUser,
  userWithRole,
} from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';
import { query } from './support/test-database';

interface Author {
  id: string;
  username: string;
  displayName: string;
}

interface Comment {
  id: string;
  articleId: string;
  parentId: string | null;
  author: Author | null;
  body: string | null;
  status: 'visible' | 'removed' | 'deleted';
  replyCount: number;
  createdAt: string;
  editedAt: string | null;
}

interface Page {
  items: Comment[];
  nextCursor: string | null;
}

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
}

type Sort = 'newest' | 'oldest' | 'top';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const COMMENT_KEYS = [
  'articleId',
  'author',
  'body',
  'createdAt',
  'editedAt',
  'featured',
  'id',
  'parentId',
  'replyCount',
  'score',
  'status',
];

function tag(): string {
  return randomBytes(4).toString('hex');
}

/** A 4xx in NestJS's error shape whose message names `field` (when given). */
function expectError(res: request.Response, status: number, field?: string): void {
  expect(res.status).toBe(status);
  const body = res.body as ErrorBody;
  expect(body.statusCode).toBe(status);
  expect(typeof body.error).toBe('string');
  const message = Array.isArray(body.message) ? body.message.join('; ') : body.message;
  expect(typeof message).toBe('string');
  expect(message.length).toBeGreaterThan(0);
  if (field !== undefined) expect(message).toContain(field);
}

function createArticle(t: TestApp, admin: TestUser): Promise<string> {
  return createArticleAs(t.http, admin, {
    category: 'World',
    title: `Comments wanted ${tag()}`,
    body: 'Something happened.',
    keyTakeaways: ['It happened'],
  });
}

function postComment(
  t: TestApp,
  user: TestUser | null,
  articleId: string,
  payload: unknown,
): request.Test {
  const call = request(t.http)
    .post(`/api/articles/${articleId}/comments`)
    .send(payload as object);
  return user ? call.set(...bearer(user)) : call;
}

async function comment(
  t: TestApp,
  user: TestUser,
  articleId: string,
  body: string,
  parentId?: string,
): Promise<Comment> {
  const res = await postComment(t, user, articleId, parentId ? { body, parentId } : { body });
  expect(res.status).toBe(201);
  return res.body as Comment;
}

async function listPage(
  t: TestApp,
  articleId: string,
  params: Record<string, string | number> = {},
  user?: TestUser,
): Promise<Page> {
  const call = request(t.http).get(`/api/articles/${articleId}/comments`).query(params);
  const res = await (user ? call.set(...bearer(user)) : call);
  expect(res.status).toBe(200);
  return res.body as Page;
}

async function commentCountOf(t: TestApp, articleId: string): Promise<number> {
  const res = await request(t.http).get(`/api/articles/${articleId}`).expect(200);
  return (res.body as { commentCount: number }).commentCount;
}

async function visibleInDb(t: TestApp, articleId: string): Promise<number> {
  return countRows(t.database.url, 'comments', "article_id = $1 AND status = 'visible'", [
    articleId,
  ]);
}

/** Every comment of the article as the API lists it: top level, then replies of each, to any depth. */
async function listTree(t: TestApp, articleId: string): Promise<Map<string, Comment>> {
  const all = new Map<string, Comment>();
  const queue: (string | undefined)[] = [undefined];
  while (queue.length > 0) {
    const parentId = queue.shift();
    let cursor: string | null = null;
    do {
      const params: Record<string, string | number> = { limit: 100 };
      if (parentId) params.parentId = parentId;
      if (cursor) params.cursor = cursor;
      const page = await listPage(t, articleId, params);
      for (const item of page.items) {
        expect(all.has(item.id)).toBe(false);
        expect(item.parentId).toBe(parentId ?? null);
        all.set(item.id, item);
        queue.push(item.id);
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
  }
  return all;
}

/**
 * The article's commentCount and every comment's replyCount, as the API shows them, equal the
 * visible comments (and visible direct replies) stored. Returns the article's count.
 */
async function expectCountersExact(t: TestApp, articleId: string): Promise<number> {
  const visible = await visibleInDb(t, articleId);
  expect(await commentCountOf(t, articleId)).toBe(visible);
  const rows = await query<{ id: string; replies: number }>(
    t.database.url,
    `SELECT c.id::text AS id,
            (SELECT count(*)::int FROM comments r WHERE r.parent_id = c.id AND r.status = 'visible') AS replies
       FROM comments c WHERE c.article_id = $1`,
    [articleId],
  );
  const tree = await listTree(t, articleId);
  expect(tree.size).toBe(rows.length);
  for (const row of rows) {
    expect({ id: row.id, replyCount: tree.get(row.id)?.replyCount }).toEqual({
      id: row.id,
      replyCount: row.replies,
    });
  }
  return visible;
}

async function authorOf(t: TestApp, user: TestUser): Promise<Author> {
  const res = await request(t.http)
    .get('/api/auth/me')
    .set(...bearer(user))
    .expect(200);
  const me = res.body as Author;
  return { id: me.id, username: me.username, displayName: me.displayName };
}

function removeAs(t: TestApp, moderator: TestUser, id: string, reason = 'off topic'): request.Test {
  return request(t.http)
    .post(`/api/comments/${id}/remove`)
    .set(...bearer(moderator))
    .send({ reason });
}

function restoreAs(t: TestApp, moderator: TestUser, id: string): request.Test {
  return request(t.http)
    .post(`/api/comments/${id}/restore`)
    .set(...bearer(moderator));
}

function deleteAs(t: TestApp, user: TestUser | null, id: string): request.Test {
  const call = request(t.http).delete(`/api/comments/${id}`);
  return user ? call.set(...bearer(user)) : call;
}

function editAs(t: TestApp, user: TestUser | null, id: string, payload: unknown): request.Test {
  const call = request(t.http)
    .patch(`/api/comments/${id}`)
    .send(payload as object);
  return user ? call.set(...bearer(user)) : call;
}

describe('POST /api/articles/:id/comments', () => {
  let t: TestApp;
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let articleId: string;
  let otherArticleId: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t.http);
    alice = await registerUser(t.http);
    bob = await registerUser(t.http);
    articleId = await createArticle(t, admin);
    otherArticleId = await createArticle(t, admin);
  });
  afterAll(() => t.close());

  it('answers 201 with the Comment, trimmed, and stores it', async () => {
    const before = Date.now();
    const res = await postComment(t, alice, articleId, { body: '  \n Hello,\tworld!\nBye \n ' });
    const after = Date.now();

    expect(res.status).toBe(201);
    const created = res.body as Comment;
    expect(Object.keys(created).sort()).toEqual(COMMENT_KEYS);
    expect(created).toEqual({
      id: expect.stringMatching(UUID),
      articleId,
      parentId: null,
      author: await authorOf(t, alice),
      body: 'Hello,\tworld!\nBye',
      status: 'visible',
      replyCount: 0,
      createdAt: expect.stringMatching(ISO),
      editedAt: null,
      featured: false,
      score: { up: 0, down: 0 },
    });
    expect(Date.parse(created.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(created.createdAt)).toBeLessThanOrEqual(after + 1000);

    const rows = await query<{ body: string; status: string; author_id: string }>(
      t.database.url,
      'SELECT body, status, author_id::text FROM comments WHERE id = $1',
      [created.id],
    );
    expect(rows).toEqual([{ body: 'Hello,\tworld!\nBye', status: 'visible', author_id: alice.id }]);
    const listed = (await listPage(t, articleId)).items.find((item) => item.id === created.id);
    expect(listed).toEqual(created);
  });

  it('keeps HTML and other markup exactly as sent (plain text, never altered)', async () => {
    const bodies = [
      '<script>alert(1)</script><b>x</b>',
      `<img src=x onerror="alert('x')"> &amp; &lt;b&gt; "quoted" 'single' \\ back\\slash`,
      'naïve café — 日本語 😀 [link](javascript:alert(1))',
    ];
    for (const body of bodies) {
      const res = await postComment(t, bob, articleId, { body });
      expect(res.status).toBe(201);
      const created = res.body as Comment;
      expect(created.body).toBe(body);

      const stored = await query<{ body: string }>(
        t.database.url,
        'SELECT body FROM comments WHERE id = $1',
        [created.id],
      );
      expect(stored[0]?.body).toBe(body);
      const listed = (await listPage(t, articleId, { limit: 100 })).items.find(
        (item) => item.id === created.id,
      );
      expect(listed?.body).toBe(body);
    }
  });

  it('replies via parentId count in the parent replyCount, and nest to any depth', async () => {
    const root = await comment(t, alice, articleId, 'root');

    const first = await comment(t, bob, articleId, 'first reply', root.id);
    expect(first).toMatchObject({ parentId: root.id, articleId, replyCount: 0, status: 'visible' });
    await comment(t, alice, articleId, 'second reply', root.id);

    // a reply to a reply, and deeper
    let parent = first;
    const chain: Comment[] = [];
    for (let depth = 3; depth <= 6; depth += 1) {
      const reply = await comment(
        t,
        depth % 2 ? alice : bob,
        articleId,
        `depth ${depth}`,
        parent.id,
      );
      expect(reply.parentId).toBe(parent.id);
      chain.push(reply);
      parent = reply;
    }

    const top = (await listPage(t, articleId, { limit: 100 })).items;
    expect(top.find((item) => item.id === root.id)?.replyCount).toBe(2);
    // replies are not top-level
    expect(top.some((item) => item.parentId !== null)).toBe(false);

    const children = (await listPage(t, articleId, { parentId: root.id })).items;
    expect(children.map((item) => item.body).sort()).toEqual(['first reply', 'second reply']);
    expect(children.find((item) => item.id === first.id)?.replyCount).toBe(1);

    for (let i = 0; i < chain.length; i += 1) {
      const level = (await listPage(t, articleId, { parentId: chain[i]!.parentId! })).items;
      expect(level.map((item) => item.id)).toEqual([chain[i]!.id]);
      expect(level[0]!.replyCount).toBe(i === chain.length - 1 ? 0 : 1);
    }
    const stored = await query<{ reply_count: number }>(
      t.database.url,
      'SELECT reply_count FROM comments WHERE id = $1',
      [root.id],
    );
    expect(stored[0]?.reply_count).toBe(2);
  });

  it('refuses a parentId of another article (400) and an unknown parentId (400), storing nothing', async () => {
    const elsewhere = await comment(t, alice, otherArticleId, 'on the other article');
    const before = await countRows(t.database.url, 'comments');

    const cross = await postComment(t, bob, articleId, { body: 'hi', parentId: elsewhere.id });
    expectError(cross, 400, 'parentId');
    const unknown = await postComment(t, bob, articleId, { body: 'hi', parentId: UNKNOWN_ID });
    expectError(unknown, 400, 'parentId');

    expect(await countRows(t.database.url, 'comments')).toBe(before);
    const other = (await listPage(t, otherArticleId)).items.find((c) => c.id === elsewhere.id);
    expect(other?.replyCount).toBe(0);
    expect(await commentCountOf(t, articleId)).toBe(await visibleInDb(t, articleId));
  });

  it('refuses a reply to a removed or a deleted comment with 409, storing nothing', async () => {
    const removed = await comment(t, alice, articleId, 'to be removed');
    const deleted = await comment(t, alice, articleId, 'to be deleted');
    await removeAs(t, admin, removed.id).expect(200);
    await deleteAs(t, alice, deleted.id).expect(204);
    const before = await countRows(t.database.url, 'comments');
    const countBefore = await commentCountOf(t, articleId);

    expectError(await postComment(t, bob, articleId, { body: 'hi', parentId: removed.id }), 409);
    expectError(await postComment(t, bob, articleId, { body: 'hi', parentId: deleted.id }), 409);

    expect(await countRows(t.database.url, 'comments')).toBe(before);
    expect(await commentCountOf(t, articleId)).toBe(countBefore);
    const rows = await query<{ reply_count: number }>(
      t.database.url,
      'SELECT reply_count FROM comments WHERE id = ANY($1::uuid[])',
      [[removed.id, deleted.id]],
    );
    expect(rows.map((row) => row.reply_count)).toEqual([0, 0]);
  });
});

describe('POST /api/articles/:id/comments: bad input', () => {
  let t: TestApp;
  let admin: TestUser;
  let alice: TestUser;
  let articleId: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t.http);
    alice = await registerUser(t.http);
    articleId = await createArticle(t, admin);
  });
  afterAll(() => t.close());

  async function expectRefused(
    payload: unknown,
    status: number,
    field?: string,
    user: TestUser | null = alice,
    article = articleId,
  ): Promise<void> {
    const before = await countRows(t.database.url, 'comments');
    expectError(await postComment(t, user, article, payload), status, field);
    expect(await countRows(t.database.url, 'comments')).toBe(before);
  }

  it('refuses a missing, empty or whitespace-only body with 400 naming body', async () => {
    await expectRefused({}, 400, 'body');
    await expectRefused({ body: '' }, 400, 'body');
    await expectRefused({ body: '   ' }, 400, 'body');
    await expectRefused({ body: ' \n\t \r\n ' }, 400, 'body');
  });

  it('accepts exactly 5000 characters after trimming and refuses 5001', async () => {
    await expectRefused({ body: 'a'.repeat(5001) }, 400, 'body');
    await expectRefused({ body: ` ${'b'.repeat(5001)} ` }, 400, 'body');

    const exact = await comment(t, alice, articleId, 'c'.repeat(5000));
    expect(exact.body).toBe('c'.repeat(5000));
    // 5002 characters sent, 5000 after trimming
    const padded = await comment(t, alice, articleId, ` ${'d'.repeat(5000)}\n`);
    expect(padded.body).toBe('d'.repeat(5000));
    await comment(t, alice, articleId, 'x');
  });

  it('refuses NUL, other control characters and lone surrogates with 400', async () => {
    for (const bad of [
      '\u0000',
      '\u0001',
      '\u0007',
      '\u0008',
      '\u000b',
      '\u001b',
      '\u007f',
      '\u0085',
      '\u009b',
      '\ud800',
    ]) {
      await expectRefused({ body: `before${bad}after` }, 400, 'body');
    }
    // newline and tab are fine
    expect((await comment(t, alice, articleId, 'line\nnext\tcell')).body).toBe('line\nnext\tcell');
  });

  it('refuses wrong types for body and parentId with 400', async () => {
    for (const body of [42, 0, true, null, ['text'], { text: 'x' }]) {
      await expectRefused({ body }, 400, 'body');
    }
    for (const parentId of [42, 'not-a-uuid', ['x'], { id: UNKNOWN_ID }, '']) {
      await expectRefused({ body: 'fine', parentId }, 400, 'parentId');
    }
  });

  it('refuses unknown fields and malformed JSON with 400', async () => {
    await expectRefused({ body: 'fine', extra: 1 }, 400, 'extra');
    await expectRefused({ body: 'fine', status: 'removed' }, 400, 'status');
    await expectRefused({ body: 'fine', authorId: alice.id }, 400, 'authorId');

    const before = await countRows(t.database.url, 'comments');
    const res = await request(t.http)
      .post(`/api/articles/${articleId}/comments`)
      .set(...bearer(alice))
      .set('Content-Type', 'application/json')
      .send('{"body": "unterminated');
    expectError(res, 400);
    expect(await countRows(t.database.url, 'comments')).toBe(before);
  });

  it('answers 400 for a malformed article id and 404 for an unknown article', async () => {
    await expectRefused({ body: 'fine' }, 400, 'id', alice, 'not-a-uuid');
    await expectRefused({ body: 'fine' }, 400, 'id', alice, '12345');
    await expectRefused({ body: 'fine' }, 404, undefined, alice, UNKNOWN_ID);
  });

  it('answers 401 without a token or with a bad one', async () => {
    await expectRefused({ body: 'fine' }, 401, undefined, null);
    const before = await countRows(t.database.url, 'comments');
    const res = await request(t.http)
      .post(`/api/articles/${articleId}/comments`)
      .set('Authorization', 'Bearer not.a.token')
      .send({ body: 'fine' });
    expectError(res, 401);
    expect(await countRows(t.database.url, 'comments')).toBe(before);
  });

  it('answers 403 to a banned user, at once, and accepts again after the ban is lifted', async () => {
    const banned = await registerUser(t.http);
    await comment(t, banned, articleId, 'before the ban');
    await request(t.http)
      .post(`/api/users/${banned.id}/ban`)
      .set(...bearer(admin))
      .send({ reason: 'spam' })
      .expect(200);

    await expectRefused({ body: 'after the ban' }, 403, undefined, banned);
    // reading is still allowed
    await listPage(t, articleId, {}, banned);

    await request(t.http)
      .delete(`/api/users/${banned.id}/ban`)
      .set(...bearer(admin))
      .expect(200);
    await comment(t, banned, articleId, 'after the unban');
  });
});

describe('GET /api/articles/:id/comments', () => {
  let t: TestApp;
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let articleId: string;
  /** Top-level comments in the order they were posted, with 2, 0, 2 and 1 replies. */
  let a: Comment;
  let b: Comment;
  let c: Comment;
  let d: Comment;
  let cReplies: Comment[];

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t.http);
    alice = await registerUser(t.http);
    bob = await registerUser(t.http);
    articleId = await createArticle(t, admin);
    a = await comment(t, alice, articleId, 'A');
    b = await comment(t, bob, articleId, 'B');
    c = await comment(t, alice, articleId, 'C');
    d = await comment(t, bob, articleId, 'D');
    await comment(t, bob, articleId, 'A.1', a.id);
    cReplies = [await comment(t, alice, articleId, 'C.1', c.id)];
    await comment(t, alice, articleId, 'A.2', a.id);
    cReplies.push(await comment(t, bob, articleId, 'C.2', c.id));
    await comment(t, alice, articleId, 'D.1', d.id);
    // a reply of a reply: counts for C.1, not for C
    await comment(t, alice, articleId, 'C.1.a', cReplies[0]!.id);
  });
  afterAll(() => t.close());

  const ids = (page: Page): string[] => page.items.map((item) => item.id);

  it('lists top-level comments only, newest first by default, to anonymous readers', async () => {
    const page = await listPage(t, articleId);
    expect(Object.keys(page).sort()).toEqual(['items', 'nextCursor']);
    expect(ids(page)).toEqual([d.id, c.id, b.id, a.id]);
    expect(page.nextCursor).toBeNull();
    expect(
      page.items.every((item) => Object.keys(item).sort().join() === COMMENT_KEYS.join()),
    ).toBe(true);
    expect(page.items.map((item) => item.replyCount)).toEqual([1, 2, 0, 2]);
    expect(ids(await listPage(t, articleId, { sort: 'newest' }))).toEqual(ids(page));
    expect(ids(await listPage(t, articleId, {}, alice))).toEqual(ids(page));
  });

  it('sorts oldest first with sort=oldest', async () => {
    expect(ids(await listPage(t, articleId, { sort: 'oldest' }))).toEqual([a.id, b.id, c.id, d.id]);
  });

  it('sorts by score, then newest, with sort=top (also across pages; no votes yet: newest)', async () => {
    const expected = [d.id, c.id, b.id, a.id];
    expect(ids(await listPage(t, articleId, { sort: 'top' }))).toEqual(expected);

    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const params: Record<string, string | number> = { sort: 'top', limit: 1 };
      if (cursor) params.cursor = cursor;
      const page = await listPage(t, articleId, params);
      expect(page.items.length).toBe(1);
      walked.push(...ids(page));
      cursor = page.nextCursor;
    } while (cursor !== null && walked.length < 10);
    expect(walked).toEqual(expected);
  });

  it('lists the replies of a comment with parentId=, in the requested order', async () => {
    const newest = await listPage(t, articleId, { parentId: c.id });
    expect(ids(newest)).toEqual([cReplies[1]!.id, cReplies[0]!.id]);
    expect(newest.items.every((item) => item.parentId === c.id)).toBe(true);
    expect(newest.items.map((item) => item.replyCount)).toEqual([0, 1]);
    expect(ids(await listPage(t, articleId, { parentId: c.id, sort: 'oldest' }))).toEqual(
      cReplies.map((reply) => reply.id),
    );
    expect(ids(await listPage(t, articleId, { parentId: c.id, sort: 'top' }))).toEqual(ids(newest));
    const deeper = await listPage(t, articleId, { parentId: cReplies[0]!.id });
    expect(deeper.items.map((item) => item.body)).toEqual(['C.1.a']);
    expect(ids(await listPage(t, articleId, { parentId: b.id }))).toEqual([]);
  });

  it('pages with limit and cursor, every comment once', async () => {
    const first = await listPage(t, articleId, { limit: 3 });
    expect(ids(first)).toEqual([d.id, c.id, b.id]);
    expect(typeof first.nextCursor).toBe('string');
    const second = await listPage(t, articleId, { limit: 3, cursor: first.nextCursor! });
    expect(ids(second)).toEqual([a.id]);
    expect(second.nextCursor).toBeNull();

    const exact = await listPage(t, articleId, { limit: 4, sort: 'oldest' });
    expect(ids(exact)).toEqual([a.id, b.id, c.id, d.id]);
    if (exact.nextCursor !== null) {
      expect(ids(await listPage(t, articleId, { limit: 4, cursor: exact.nextCursor }))).toEqual([]);
    }
    expect((await listPage(t, articleId, { limit: 1 })).items).toHaveLength(1);
    expect((await listPage(t, articleId, { limit: 100 })).items).toHaveLength(4);
  });

  it('answers 400 for an unknown sort, a limit out of 1..100 and a bad cursor', async () => {
    const get = (params: Record<string, string | number>) =>
      request(t.http).get(`/api/articles/${articleId}/comments`).query(params);
    expectError(await get({ sort: 'best' }), 400, 'sort');
    expectError(await get({ sort: '' }), 400, 'sort');
    for (const limit of [0, 101, -1, 1.5, 'ten']) {
      expectError(await get({ limit }), 400, 'limit');
    }
    const tuple = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
    const newestCursor = (await listPage(t, articleId, { limit: 1 })).nextCursor!;
    for (const cursor of [
      'garbage',
      '!!!',
      tuple({ a: 1 }),
      tuple(['2024-01-01T00:00:00.000000Z']),
      tuple(['not a date', UNKNOWN_ID]),
      tuple(['2024-01-01T00:00:00.000000Z', 'not-a-uuid']),
      tuple([1, 2]),
      // a newest cursor does not fit sort=top
      { cursor: newestCursor, sort: 'top' },
    ]) {
      const params = typeof cursor === 'string' ? { cursor } : cursor;
      expectError(await get(params), 400, 'cursor');
    }
    expectError(await get({ parentId: 'not-a-uuid' }), 400, 'parentId');
    expectError(await get({ unknown: 'x' }), 400, 'unknown');
  });

  it('answers 404 for an unknown article and 400 for a malformed article id', async () => {
    expectError(await request(t.http).get(`/api/articles/${UNKNOWN_ID}/comments`), 404);
    expectError(await request(t.http).get('/api/articles/nope/comments'), 400, 'id');
  });
});

describe('comment pagination while comments are being posted', () => {
  let t: TestApp;
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t.http);
    alice = await registerUser(t.http);
    bob = await registerUser(t.http);
  });
  afterAll(() => t.close());

  /** (created_at in microseconds, id) of each comment, as the database orders them. */
  async function keysOf(ids: string[]): Promise<Map<string, [bigint, string]>> {
    const rows = await query<{ id: string; us: string }>(
      t.database.url,
      `SELECT id::text AS id, (extract(epoch FROM created_at) * 1000000)::bigint::text AS us
         FROM comments WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, [BigInt(row.us), row.id]]));
  }

  async function walkWhilePosting(sort: Sort): Promise<void> {
    const articleId = await createArticle(t, admin);
    const originals: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      originals.push((await comment(t, alice, articleId, `original ${i}`)).id);
    }

    let stop = false;
    const background = (async () => {
      let posted = 0;
      while (!stop && posted < 25) {
        await comment(t, bob, articleId, `background ${posted}`);
        posted += 1;
      }
      return posted;
    })();

    const walked: Comment[] = [];
    const between: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    try {
      do {
        const params: Record<string, string | number> = { sort, limit: 7 };
        if (cursor) params.cursor = cursor;
        const page = await listPage(t, articleId, params);
        expect(page.items.length).toBeLessThanOrEqual(7);
        walked.push(...page.items);
        cursor = page.nextCursor;
        pages += 1;
        if (pages > 40) throw new Error('pagination does not end');
        if (cursor !== null && between.length < 15) {
          between.push((await comment(t, alice, articleId, `between ${pages}`)).id);
        }
      } while (cursor !== null);
    } finally {
      stop = true;
    }
    const backgroundPosted = await background;
    expect(backgroundPosted).toBeGreaterThan(0);
    expect(between.length).toBeGreaterThan(0);

    const walkedIds = walked.map((item) => item.id);
    expect(new Set(walkedIds).size).toBe(walkedIds.length);
    for (const id of originals) {
      expect({ id, times: walkedIds.filter((walkedId) => walkedId === id).length }).toEqual({
        id,
        times: 1,
      });
    }
    const originalSet = new Set(originals);
    const originalsInWalk = walkedIds.filter((id) => originalSet.has(id));
    expect(originalsInWalk).toEqual(sort === 'newest' ? [...originals].reverse() : originals);

    // every neighbouring pair is in the sort's order, by the keys stored
    const keys = await keysOf(walkedIds);
    const direction = sort === 'newest' ? -1 : 1;
    for (let i = 1; i < walkedIds.length; i += 1) {
      const [previousAt, previousId] = keys.get(walkedIds[i - 1]!)!;
      const [at, id] = keys.get(walkedIds[i]!)!;
      const cmp = at === previousAt ? (id > previousId ? 1 : -1) : at > previousAt ? 1 : -1;
      expect({ pair: [walkedIds[i - 1], walkedIds[i]], order: cmp }).toEqual({
        pair: [walkedIds[i - 1], walkedIds[i]],
        order: direction,
      });
    }
    if (sort === 'oldest') {
      // posted (and committed) after a page was fetched: later in the order, so never skipped
      for (const id of between)
        expect(walkedIds.filter((walkedId) => walkedId === id)).toEqual([id]);
    }
  }

  it('walks sort=newest with limit=7: each of the 30 comments exactly once, in order', async () => {
    await walkWhilePosting('newest');
  });

  it('walks sort=oldest with limit=7: each of the 30 comments exactly once, in order', async () => {
    await walkWhilePosting('oldest');
  });
});

describe('PATCH and DELETE /api/comments/:id', () => {
  let t: TestApp;
  let admin: TestUser;
  let moderator: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let articleId: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t.http);
    moderator = await userWithRole(t.http, admin, 'moderator');
    alice = await registerUser(t.http);
    bob = await registerUser(t.http);
    articleId = await createArticle(t, admin);
  });
  afterAll(() => t.close());

  async function bodyInDb(id: string): Promise<{ body: string; status: string; edited: boolean }> {
    const rows = await query<{ body: string; status: string; edited: boolean }>(
      t.database.url,
      'SELECT body, status, edited_at IS NOT NULL AS edited FROM comments WHERE id = $1',
      [id],
    );
    return rows[0]!;
  }

  it('lets the author edit: 200 with the new (trimmed) body and editedAt set', async () => {
    const original = await comment(t, alice, articleId, 'first version');

    const res = await editAs(t, alice, original.id, { body: '  second <i>version</i>\n ' });

    expect(res.status).toBe(200);
    const edited = res.body as Comment;
    expect(Object.keys(edited).sort()).toEqual(COMMENT_KEYS);
    expect(edited).toEqual({
      ...original,
      body: 'second <i>version</i>',
      editedAt: expect.stringMatching(ISO),
    });
    expect(Date.parse(edited.editedAt!)).toBeGreaterThanOrEqual(Date.parse(original.createdAt));
    expect(await bodyInDb(original.id)).toEqual({
      body: 'second <i>version</i>',
      status: 'visible',
      edited: true,
    });
    const listed = (await listPage(t, articleId, { limit: 100 })).items.find(
      (item) => item.id === original.id,
    );
    expect(listed).toEqual(edited);
  });

  it('validates the edit like a new comment (400), changing nothing', async () => {
    const original = await comment(t, alice, articleId, 'keep me');
    for (const payload of [
      {},
      { body: '   ' },
      { body: 'e'.repeat(5001) },
      { body: 'nul\u0000' },
      { body: 7 },
      { body: 'fine', extra: true },
    ]) {
      const res = await editAs(t, alice, original.id, payload);
      expectError(res, 400);
    }
    expect(await bodyInDb(original.id)).toEqual({
      body: 'keep me',
      status: 'visible',
      edited: false,
    });
  });

  it('refuses edits by anyone but the author (403), moderators and admins included', async () => {
    const original = await comment(t, alice, articleId, 'mine');
    expectError(await editAs(t, bob, original.id, { body: 'yours' }), 403);
    expectError(await editAs(t, moderator, original.id, { body: 'moderated' }), 403);
    expectError(await editAs(t, admin, original.id, { body: 'administered' }), 403);
    expectError(await editAs(t, null, original.id, { body: 'anonymous' }), 401);
    expect(await bodyInDb(original.id)).toEqual({ body: 'mine', status: 'visible', edited: false });
  });

  it('refuses to edit a removed or deleted comment (409)', async () => {
    const removed = await comment(t, alice, articleId, 'will be removed');
    const deleted = await comment(t, alice, articleId, 'will be deleted');
    await removeAs(t, admin, removed.id).expect(200);
    await deleteAs(t, alice, deleted.id).expect(204);

    expectError(await editAs(t, alice, removed.id, { body: 'sneaky' }), 409);
    expectError(await editAs(t, alice, deleted.id, { body: 'sneaky' }), 409);
    expect(await bodyInDb(removed.id)).toEqual({
      body: 'will be removed',
      status: 'removed',
      edited: false,
    });
    expect(await bodyInDb(deleted.id)).toEqual({
      body: 'will be deleted',
      status: 'deleted',
      edited: false,
    });
  });

  it('answers 404 for an unknown comment and 400 for a malformed id', async () => {
    expectError(await editAs(t, alice, UNKNOWN_ID, { body: 'x' }), 404);
    expectError(await editAs(t, alice, 'not-a-uuid', { body: 'x' }), 400, 'id');
    expectError(await deleteAs(t, alice, UNKNOWN_ID), 404);
    expectError(await deleteAs(t, alice, 'not-a-uuid'), 400, 'id');
  });

  it('lets the author delete (204): a tombstone stays listed with its replies under it', async () => {
    const doomed = await comment(t, alice, articleId, 'regrettable');
    const reply = await comment(t, bob, articleId, 'a reply', doomed.id);
    const nested = await comment(t, alice, articleId, 'a nested reply', reply.id);

    const res = await deleteAs(t, alice, doomed.id);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');

    const top = (await listPage(t, articleId, { limit: 100 })).items;
    const tombstone = top.find((item) => item.id === doomed.id);
    expect(tombstone).toEqual({
      ...doomed,
      status: 'deleted',
      body: null,
      author: null,
      replyCount: 1,
    });
    const replies = (await listPage(t, articleId, { parentId: doomed.id })).items;
    expect(replies).toEqual([{ ...reply, replyCount: 1 }]);
    expect((await listPage(t, articleId, { parentId: reply.id })).items).toEqual([nested]);
    expect((await bodyInDb(doomed.id)).status).toBe('deleted');

    // the original is for moderators and admins only
    const asModerator = (
      await listPage(t, articleId, { limit: 100, include: 'removed' }, moderator)
    ).items.find((item) => item.id === doomed.id);
    expect(asModerator).toMatchObject({ status: 'deleted', body: 'regrettable' });
    expect(asModerator?.author?.id).toBe(alice.id);
    expectError(
      await request(t.http)
        .get(`/api/articles/${articleId}/comments`)
        .query({ include: 'removed' })
        .set(...bearer(bob)),
      403,
    );
    expectError(
      await request(t.http)
        .get(`/api/articles/${articleId}/comments`)
        .query({ include: 'removed' }),
      401,
    );
  });

  it('refuses deletion by another user (403) and answers 204 when deleting again', async () => {
    const target = await comment(t, alice, articleId, 'not yours');
    expectError(await deleteAs(t, bob, target.id), 403);
    expectError(await deleteAs(t, moderator, target.id), 403);
    expectError(await deleteAs(t, null, target.id), 401);
    expect((await bodyInDb(target.id)).status).toBe('visible');

    await deleteAs(t, alice, target.id).expect(204);
    const countAfterFirst = await commentCountOf(t, articleId);
    await deleteAs(t, alice, target.id).expect(204);
    expect((await bodyInDb(target.id)).status).toBe('deleted');
    expect(await commentCountOf(t, articleId)).toBe(countAfterFirst);
    expect(countAfterFirst).toBe(await visibleInDb(t, articleId));
  });
  it('answers 204 to every one of concurrent deletes of the same comment, which counts once', async () => {
    const targets = await Promise.all(
      [1, 2, 3].map((i) => comment(t, alice, articleId, `deleted at once ${i}`)),
    );
    const countBefore = await commentCountOf(t, articleId);

    const results = await Promise.all(
      targets.flatMap((target) => [1, 2, 3, 4].map(() => deleteAs(t, alice, target.id))),
    );

    for (const target of targets) expect((await bodyInDb(target.id)).status).toBe('deleted');
    expect(await commentCountOf(t, articleId)).toBe(countBefore - 3);
    expect(await visibleInDb(t, articleId)).toBe(countBefore - 3);
    const events = await query<{ comment_id: string; type: string; status: string }>(
      t.database.url,
      `SELECT comment_id::text AS comment_id, type, status FROM comment_events
        WHERE comment_id = ANY($1::uuid[]) AND type = 'comment.removed' ORDER BY seq`,
      [targets.map((target) => target.id)],
    );
    expect(events.map((event) => event.comment_id).sort()).toEqual(
      targets.map((target) => target.id).sort(),
    );
    expect(events.every((event) => event.status === 'deleted')).toBe(true);
    expect(results.map((res) => res.status)).toEqual(Array(12).fill(204));
  });
});

describe('comment counters', () => {
  let t: TestApp;
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t.http);
    alice = await registerUser(t.http);
    bob = await registerUser(t.http);
  });
  afterAll(() => t.close());

  async function replyCountOf(articleId: string, id: string): Promise<number> {
    const tree = await listTree(t, articleId);
    return tree.get(id)!.replyCount;
  }

  it('commentCount and replyCount count visible comments through creates, deletes, removals and restores', async () => {
    const articleId = await createArticle(t, admin);
    expect(await expectCountersExact(t, articleId)).toBe(0);

    const [one, two, three] = [
      await comment(t, alice, articleId, 'one'),
      await comment(t, bob, articleId, 'two'),
      await comment(t, alice, articleId, 'three'),
    ];
    const r1 = await comment(t, bob, articleId, 'r1', one!.id);
    const r2 = await comment(t, alice, articleId, 'r2', one!.id);
    const r3 = await comment(t, bob, articleId, 'r3', one!.id);
    const r1a = await comment(t, alice, articleId, 'r1a', r1.id);
    expect(await expectCountersExact(t, articleId)).toBe(7);
    expect(await replyCountOf(articleId, one!.id)).toBe(3);
    expect(await replyCountOf(articleId, r1.id)).toBe(1);

    // the author deletes a reply
    await deleteAs(t, alice, r2.id).expect(204);
    expect(await expectCountersExact(t, articleId)).toBe(6);
    expect(await replyCountOf(articleId, one!.id)).toBe(2);

    // a moderator removes another reply, then restores it
    const removed = await removeAs(t, admin, r3.id, 'rude');
    expect(removed.status).toBe(200);
    expect((removed.body as Comment).status).toBe('removed');
    expect(await expectCountersExact(t, articleId)).toBe(5);
    expect(await replyCountOf(articleId, one!.id)).toBe(1);

    const restored = await restoreAs(t, admin, r3.id);
    expect(restored.status).toBe(200);
    expect((restored.body as Comment).status).toBe('visible');
    expect(await expectCountersExact(t, articleId)).toBe(6);
    expect(await replyCountOf(articleId, one!.id)).toBe(2);

    // removing a top-level comment with replies takes only that comment out of the count
    await removeAs(t, admin, one!.id).expect(200);
    expect(await expectCountersExact(t, articleId)).toBe(5);
    expect(await replyCountOf(articleId, one!.id)).toBe(2);
    await restoreAs(t, admin, one!.id).expect(200);
    expect(await expectCountersExact(t, articleId)).toBe(6);

    // removing twice, restoring a visible one: conflicts that change nothing
    await removeAs(t, admin, two!.id).expect(200);
    expectError(await removeAs(t, admin, two!.id), 409);
    expectError(await restoreAs(t, admin, three!.id), 409);
    expect(await expectCountersExact(t, articleId)).toBe(5);

    // the author deletes a removed comment: it was not counted, and still is not
    await deleteAs(t, bob, two!.id).expect(204);
    expect(await expectCountersExact(t, articleId)).toBe(5);
    // a deleted comment cannot be restored by a moderator
    expectError(await restoreAs(t, admin, two!.id), 409);
    expectError(await removeAs(t, admin, r2.id), 409);
    expect(await expectCountersExact(t, articleId)).toBe(5);

    // a nested reply's removal counts on its own parent only
    await removeAs(t, admin, r1a.id).expect(200);
    expect(await replyCountOf(articleId, r1.id)).toBe(0);
    expect(await replyCountOf(articleId, one!.id)).toBe(2);
    expect(await expectCountersExact(t, articleId)).toBe(4);
  });

  it('counts a reply restored while its parent is a tombstone on that parent', async () => {
    const articleId = await createArticle(t, admin);
    const removedParent = await comment(t, alice, articleId, 'parent to be removed');
    const deletedParent = await comment(t, alice, articleId, 'parent to be deleted');
    const underRemoved = await comment(t, bob, articleId, 'reply', removedParent.id);
    const underDeleted = await comment(t, bob, articleId, 'reply', deletedParent.id);

    await removeAs(t, admin, underRemoved.id).expect(200);
    await removeAs(t, admin, underDeleted.id).expect(200);
    await removeAs(t, admin, removedParent.id).expect(200);
    await deleteAs(t, alice, deletedParent.id).expect(204);
    expect(await expectCountersExact(t, articleId)).toBe(0);

    await restoreAs(t, admin, underRemoved.id).expect(200);
    await restoreAs(t, admin, underDeleted.id).expect(200);
    expect(await replyCountOf(articleId, removedParent.id)).toBe(1);
    expect(await replyCountOf(articleId, deletedParent.id)).toBe(1);
    expect(await expectCountersExact(t, articleId)).toBe(2);

    await restoreAs(t, admin, removedParent.id).expect(200);
    expect(await replyCountOf(articleId, removedParent.id)).toBe(1);
    expect(await expectCountersExact(t, articleId)).toBe(3);

    // and the replies can still go away again, their parents' counts back to 0
    await deleteAs(t, bob, underRemoved.id).expect(204);
    await deleteAs(t, bob, underDeleted.id).expect(204);
    expect(await replyCountOf(articleId, removedParent.id)).toBe(0);
    expect(await replyCountOf(articleId, deletedParent.id)).toBe(0);
    expect(await expectCountersExact(t, articleId)).toBe(1);
  });

  it('stays exact under concurrent replies, deletes, removals and restores', async () => {
    const articleId = await createArticle(t, admin);
    const parent = await comment(t, alice, articleId, 'busy parent');

    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        comment(t, i % 2 ? alice : bob, articleId, `reply ${i}`, parent.id),
      ),
    );
    expect(await replyCountOf(articleId, parent.id)).toBe(20);
    expect(await expectCountersExact(t, articleId)).toBe(21);

    const byAuthor = (reply: Comment) => (reply.author!.id === alice.id ? alice : bob);
    const results = await Promise.all([
      ...replies.slice(0, 6).map((reply) => deleteAs(t, byAuthor(reply), reply.id)),
      ...replies.slice(6, 12).map((reply) => removeAs(t, admin, reply.id)),
      ...replies.slice(12, 14).map((reply) => deleteAs(t, byAuthor(reply), reply.id)),
      ...Array.from({ length: 6 }, (_, i) =>
        postComment(t, bob, articleId, { body: `late ${i}`, parentId: parent.id }),
      ),
    ]);
    expect(results.map((res) => res.status)).toEqual([
      ...Array(6).fill(204),
      ...Array(6).fill(200),
      ...Array(2).fill(204),
      ...Array(6).fill(201),
    ]);

    // 20 - 6 deleted - 6 removed - 2 deleted + 6 new
    expect(await replyCountOf(articleId, parent.id)).toBe(12);
    expect(await expectCountersExact(t, articleId)).toBe(13);

    const restores = await Promise.all(
      replies.slice(6, 12).map((reply) => restoreAs(t, admin, reply.id)),
    );
    expect(restores.map((res) => res.status)).toEqual(Array(6).fill(200));
    expect(await replyCountOf(articleId, parent.id)).toBe(18);
    expect(await expectCountersExact(t, articleId)).toBe(19);
  });
});

/**
 * Whether the event log row with this seq is committed, asked synchronously (in a separate
 * process, while this one waits), so that nothing in this process can commit in between.
 */
function committedSynchronously(databaseUrl: string, articleId: string, seq: number): boolean {
  const sql = `SELECT count(*) FROM comment_events WHERE article_id = '${articleId}' AND seq = ${seq}`;
  const psql = spawnSync('psql', [databaseUrl, '-Atc', sql], { encoding: 'utf8' });
  if (psql.status === 0) return psql.stdout.trim() === '1';
  const script = `const { Client } = require('pg');
    const client = new Client({ connectionString: process.argv[1] });
    client.connect().then(() => client.query(process.argv[2]))
      .then((res) => { process.stdout.write(String(res.rows[0].count)); return client.end(); })
      .catch((error) => { console.error(error); process.exit(1); });`;
  const node = spawnSync(process.execPath, ['-e', script, databaseUrl, sql], {
    encoding: 'utf8',
    cwd: resolve(__dirname, '..'),
  });
  if (node.status !== 0) throw new Error(`cannot query the database: ${node.stderr}`);
  return node.stdout.trim() === '1';
}

describe('comment event log', () => {
  let t: TestApp;
  let admin: TestUser;
  let users: TestUser[];
  let articleId: string;
  const published: { event: CommentChangedEvent; committed: boolean }[] = [];
  let unsubscribe: () => void = () => undefined;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t.http);
    users = await Promise.all(Array.from({ length: 10 }, () => registerUser(t.http)));
    articleId = await createArticle(t, admin);
    unsubscribe = t.app.get(DomainEventBus).on('comment.changed', (event) => {
      published.push({
        event,
        committed: committedSynchronously(t.database.url, event.articleId, event.seq),
      });
    });
  });
  afterAll(async () => {
    unsubscribe();
    await t.close();
  });

  type EventRow = {
    seq: number;
    type: string;
    comment_id: string;
    status: string | null;
  };

  async function eventRows(): Promise<EventRow[]> {
    return query<EventRow>(
      t.database.url,
      `SELECT seq, type, comment_id::text AS comment_id, status
         FROM comment_events WHERE article_id = $1 ORDER BY seq`,
      [articleId],
    );
  }

  function publishedFor(article: string): CommentChangedEvent[] {
    return published.map((entry) => entry.event).filter((event) => event.articleId === article);
  }

  const range = (from: number, to: number): number[] =>
    Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('numbers 50 parallel posts 1..50 without gaps, one comment.created each, published after commit', async () => {
    const responses = await Promise.all(
      users.flatMap((user, u) =>
        Array.from({ length: 5 }, (_, i) =>
          postComment(t, user, articleId, { body: `user ${u} comment ${i}` }),
        ),
      ),
    );
    expect(responses.map((res) => res.status)).toEqual(Array(50).fill(201));
    const ids = responses.map((res) => (res.body as Comment).id);
    expect(new Set(ids).size).toBe(50);

    const rows = await eventRows();
    expect(rows.map((row) => row.seq)).toEqual(range(1, 50));
    expect(rows.every((row) => row.type === 'comment.created' && row.status === null)).toBe(true);
    expect(rows.map((row) => row.comment_id).sort()).toEqual([...ids].sort());
    expect(await commentCountOf(t, articleId)).toBe(50);

    const events = publishedFor(articleId);
    expect(events).toHaveLength(50);
    expect(events.map((event) => event.seq).sort((x, y) => x - y)).toEqual(range(1, 50));
    for (const event of events) {
      const row = rows[event.seq - 1]!;
      expect(event.type).toBe(row.type);
      if (event.type === 'comment.removed') throw new Error('unexpected comment.removed');
      expect(event.comment.id).toBe(row.comment_id);
      const response = responses.find((res) => (res.body as Comment).id === row.comment_id)!;
      expect(event.comment).toEqual(response.body);
    }
    expect(published.filter((entry) => !entry.committed).map((entry) => entry.event.seq)).toEqual(
      [],
    );
  });

  it('appends edits, a delete, a removal and a restore with the next seqs, published after commit', async () => {
    const rowsBefore = await eventRows();
    const next = rowsBefore.length + 1;
    const author = users[0]!;
    const mine = (await listPage(t, articleId, { limit: 100, sort: 'oldest' })).items.filter(
      (item) => item.author?.id === author.id,
    );
    expect(mine.length).toBe(5);
    const [editedA, editedB, deleted, removed] = mine as [Comment, Comment, Comment, Comment];

    const edit1 = await editAs(t, author, editedA.id, { body: 'edited once' }).expect(200);
    await editAs(t, author, editedB.id, { body: 'edited too' }).expect(200);
    const edit3 = await editAs(t, author, editedA.id, { body: 'edited twice' }).expect(200);
    await deleteAs(t, author, deleted.id).expect(204);
    await removeAs(t, admin, removed.id, 'spam').expect(200);
    const restore = await restoreAs(t, admin, removed.id).expect(200);

    // changes that do not happen append nothing
    expectError(await editAs(t, users[1]!, editedB.id, { body: 'not mine' }), 403);
    expectError(await editAs(t, author, deleted.id, { body: 'too late' }), 409);
    await deleteAs(t, author, deleted.id).expect(204);
    expectError(await restoreAs(t, admin, removed.id), 409);
    expectError(await postComment(t, author, articleId, { body: 'x', parentId: deleted.id }), 409);

    const rows = await eventRows();
    expect(rows.map((row) => row.seq)).toEqual(range(1, next + 5));
    expect(rows.slice(next - 1)).toEqual([
      { seq: next, type: 'comment.updated', comment_id: editedA.id, status: null },
      { seq: next + 1, type: 'comment.updated', comment_id: editedB.id, status: null },
      { seq: next + 2, type: 'comment.updated', comment_id: editedA.id, status: null },
      { seq: next + 3, type: 'comment.removed', comment_id: deleted.id, status: 'deleted' },
      { seq: next + 4, type: 'comment.removed', comment_id: removed.id, status: 'removed' },
      { seq: next + 5, type: 'comment.updated', comment_id: removed.id, status: null },
    ]);

    const events = publishedFor(articleId).filter((event) => event.seq >= next);
    expect(events.map((event) => event.seq)).toEqual(range(next, next + 5));
    // committedAt: when the change committed (for the write-to-broadcast lag metric);
    // commentCount: the article's visible comments right after the change (for count badges)
    const committedAt = expect.any(Number) as number;
    expect(events).toEqual([
      {
        type: 'comment.updated',
        articleId,
        seq: next,
        comment: edit1.body as Comment,
        committedAt,
        commentCount: 50,
      },
      {
        type: 'comment.updated',
        articleId,
        seq: next + 1,
        committedAt,
        commentCount: 50,
        comment: expect.objectContaining({ id: editedB.id, body: 'edited too' }) as Comment,
      },
      {
        type: 'comment.updated',
        articleId,
        seq: next + 2,
        comment: edit3.body as Comment,
        committedAt,
        commentCount: 50,
      },
      {
        type: 'comment.removed',
        articleId,
        seq: next + 3,
        committedAt,
        commentCount: 49,
        commentId: deleted.id,
        status: 'deleted',
      },
      {
        type: 'comment.removed',
        articleId,
        seq: next + 4,
        committedAt,
        commentCount: 48,
        commentId: removed.id,
        status: 'removed',
      },
      {
        type: 'comment.updated',
        articleId,
        seq: next + 5,
        committedAt,
        commentCount: 49,
        comment: expect.objectContaining({
          id: removed.id,
          status: 'visible',
          body: removed.body,
        }) as Comment,
      },
    ]);
    expect((restore.body as Comment).status).toBe('visible');
    // every seq published once, each after its row was committed
    const allSeqs = publishedFor(articleId).map((event) => event.seq);
    expect(new Set(allSeqs).size).toBe(allSeqs.length);
    expect(published.every((entry) => entry.committed)).toBe(true);
    expect(await commentCountOf(t, articleId)).toBe(49);
    expect(await visibleInDb(t, articleId)).toBe(49);
  });
});
