import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DomainEventBus } from '../src/common/events/domain-event-bus';
import type { ReportCreatedEvent } from '../src/moderation/moderation.events';
import {
  createArticle as createArticleAs,
  bearer,
  countRows,
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

interface CommentBody {
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

interface PageBody<T> {
  items: T[];
  nextCursor: string | null;
}

interface QueueItemBody {
  comment: CommentBody;
  reportCount: number;
  reasons: string[];
}

interface LogItemBody {
  id: string;
  action: string;
  moderator: { id: string; username: string | null; displayName: string | null };
  targetType: string;
  targetId: string;
  reason: string | null;
  createdAt: string;
}

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Helpers bound to one running app. */
function helpers(t: TestApp) {
  const withAuth = (call: request.Test, user: TestUser | null): request.Test =>
    user ? call.set(...bearer(user)) : call;

  return {
    createArticle(admin: TestUser): Promise<string> {
      return createArticleAs(t.http, admin, {
        title: `Moderation ${randomBytes(4).toString('hex')}`,
      });
    },

    async comment(
      user: TestUser,
      articleId: string,
      body = `comment ${randomBytes(4).toString('hex')}`,
      parentId?: string,
    ): Promise<CommentBody> {
      const res = await request(t.http)
        .post(`/api/articles/${articleId}/comments`)
        .set(...bearer(user))
        .send(parentId ? { body, parentId } : { body })
        .expect(201);
      return res.body as CommentBody;
    },

    list(articleId: string, user: TestUser | null = null, qs = ''): request.Test {
      return withAuth(request(t.http).get(`/api/articles/${articleId}/comments${qs}`), user);
    },

    remove(user: TestUser | null, id: string, body: unknown = { reason: 'off topic' }) {
      return withAuth(
        request(t.http)
          .post(`/api/comments/${id}/remove`)
          .send(body as object),
        user,
      );
    },

    restore(user: TestUser | null, id: string): request.Test {
      return withAuth(request(t.http).post(`/api/comments/${id}/restore`), user);
    },

    report(user: TestUser | null, id: string, body: unknown = { reason: 'spam' }): request.Test {
      return withAuth(
        request(t.http)
          .post(`/api/comments/${id}/reports`)
          .send(body as object),
        user,
      );
    },

    ban(moderator: TestUser, id: string, reason = 'trolling'): request.Test {
      return request(t.http)
        .post(`/api/users/${id}/ban`)
        .set(...bearer(moderator))
        .send({ reason });
    },

    unban(moderator: TestUser, id: string): request.Test {
      return request(t.http)
        .delete(`/api/users/${id}/ban`)
        .set(...bearer(moderator));
    },

    queue(user: TestUser | null, qs = ''): request.Test {
      return withAuth(request(t.http).get(`/api/moderation/queue${qs}`), user);
    },

    log(user: TestUser | null, qs = ''): request.Test {
      return withAuth(request(t.http).get(`/api/moderation/log${qs}`), user);
    },
  };
}

function authorOf(user: TestUser): Author {
  return { id: user.id, username: user.username, displayName: user.username };
}

describe('moderation: remove and restore comments (HTTP)', () => {
  let t: TestApp;
  let h: ReturnType<typeof helpers>;
  let admin: TestUser;
  let moderator: TestUser;
  let reader: TestUser;
  let writer: TestUser;
  let articleId: string;

  beforeAll(async () => {
    t = await startTestApp();
    h = helpers(t);
    admin = await loginAdmin(t.http);
    moderator = await userWithRole(t.http, admin, 'moderator');
    reader = await registerUser(t.http);
    writer = await registerUser(t.http);
    articleId = await h.createArticle(admin);
  });
  afterAll(() => t.close());

  it('lets a moderator remove a comment: 200 with the original, tombstone for everyone, replies kept', async () => {
    const parent = await h.comment(writer, articleId, 'the original words');
    const reply = await h.comment(reader, articleId, 'a reply', parent.id);

    const res = await h.remove(moderator, parent.id, { reason: 'personal attack' }).expect(200);

    expect(res.body).toEqual({
      ...parent,
      status: 'removed',
      body: 'the original words',
      author: authorOf(writer),
      replyCount: 1,
    });
    const [stored] = await query<{ status: string; removed_reason: string }>(
      t.database.url,
      'SELECT status, removed_reason FROM comments WHERE id = $1',
      [parent.id],
    );
    expect(stored).toEqual({ status: 'removed', removed_reason: 'personal attack' });

    for (const viewer of [null, reader, writer, moderator, admin]) {
      const list = await h.list(articleId, viewer).expect(200);
      const tombstone = (list.body as PageBody<CommentBody>).items.find((c) => c.id === parent.id);
      expect(tombstone).toEqual({
        ...parent,
        // lists read by a signed-in user carry their own vote
        ...(viewer ? { myVote: null } : {}),
        body: null,
        author: null,
        status: 'removed',
        replyCount: 1,
      });
    }

    const replies = await h.list(articleId, null, `?parentId=${parent.id}`).expect(200);
    expect((replies.body as PageBody<CommentBody>).items).toEqual([
      expect.objectContaining({
        id: reply.id,
        parentId: parent.id,
        body: 'a reply',
        status: 'visible',
        author: authorOf(reader),
      }),
    ]);
  });

  it('shows removed originals with ?include=removed to moderators and admins only', async () => {
    const original = await h.comment(writer, articleId, 'to be removed, seen by staff');
    await h.remove(admin, original.id, { reason: 'spam' }).expect(200);

    for (const staff of [moderator, admin]) {
      const res = await h.list(articleId, staff, '?include=removed').expect(200);
      const item = (res.body as PageBody<CommentBody>).items.find((c) => c.id === original.id);
      expect(item).toEqual({ ...original, status: 'removed', myVote: null });
    }

    const byReader = await h.list(articleId, reader, '?include=removed').expect(403);
    expect(byReader.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    const anonymous = await h.list(articleId, null, '?include=removed').expect(401);
    expect(anonymous.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
  });

  it('refuses removal by readers (403) and anonymous callers (401), leaving the comment visible', async () => {
    const target = await h.comment(writer, articleId);

    const byReader = await h.remove(reader, target.id).expect(403);
    const byAuthor = await h.remove(writer, target.id).expect(403);
    const anonymous = await h.remove(null, target.id).expect(401);

    for (const res of [byReader, byAuthor]) {
      expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    }
    expect(anonymous.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect(
      await countRows(t.database.url, 'comments', "id = $1 AND status = 'visible'", [target.id]),
    ).toBe(1);
    expect(await countRows(t.database.url, 'moderation_log', 'target_id = $1', [target.id])).toBe(
      0,
    );
  });

  it('validates the reason and the id: 400 for missing, blank or too long reasons and malformed ids, 404 unknown', async () => {
    const target = await h.comment(writer, articleId);

    for (const body of [{}, { reason: '' }, { reason: '   ' }, { reason: 'x'.repeat(501) }]) {
      const res = await h.remove(moderator, target.id, body).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(JSON.stringify(res.body.message)).toMatch(/reason/);
    }
    const malformed = await h.remove(moderator, 'not-a-uuid').expect(400);
    expect(JSON.stringify(malformed.body.message)).toMatch(/id/);
    const unknown = await h.remove(moderator, UNKNOWN_ID).expect(404);
    expect(unknown.body).toMatchObject({ statusCode: 404, error: 'Not Found' });

    // exactly 500 characters is still accepted
    await h.remove(moderator, target.id, { reason: 'y'.repeat(500) }).expect(200);
  });

  it('answers 409 when the comment is already removed, and logs the removal once', async () => {
    const target = await h.comment(writer, articleId);
    await h.remove(moderator, target.id).expect(200);

    const again = await h.remove(admin, target.id).expect(409);

    expect(again.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
    expect(
      await countRows(
        t.database.url,
        'moderation_log',
        "target_id = $1 AND action = 'comment.remove'",
        [target.id],
      ),
    ).toBe(1);
  });

  it('restores a removed comment: 200 visible, body back for everyone; 409 when visible; 403 for readers', async () => {
    const target = await h.comment(writer, articleId, 'coming back');
    await h.remove(moderator, target.id).expect(200);

    const byReader = await h.restore(reader, target.id).expect(403);
    expect(byReader.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    await h.restore(null, target.id).expect(401);

    const res = await h.restore(moderator, target.id).expect(200);
    expect(res.body).toEqual({ ...target, status: 'visible' });

    const list = await h.list(articleId, null).expect(200);
    const item = (list.body as PageBody<CommentBody>).items.find((c) => c.id === target.id);
    expect(item).toEqual({ ...target, body: 'coming back', author: authorOf(writer) });

    const again = await h.restore(admin, target.id).expect(409);
    expect(again.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
    const never = await h.comment(writer, articleId);
    await h.restore(moderator, never.id).expect(409);
    await h.restore(moderator, UNKNOWN_ID).expect(404);
    await h.restore(moderator, 'nope').expect(400);
  });
});

describe('moderation: reports (HTTP)', () => {
  let t: TestApp;
  let h: ReturnType<typeof helpers>;
  let admin: TestUser;
  let moderator: TestUser;
  let writer: TestUser;
  let articleId: string;
  const events: ReportCreatedEvent[] = [];
  let unsubscribe: () => void;

  beforeAll(async () => {
    t = await startTestApp();
    h = helpers(t);
    unsubscribe = t.app.get(DomainEventBus).on('report.created', (event) => {
      events.push(event);
    });
    admin = await loginAdmin(t.http);
    moderator = await userWithRole(t.http, admin, 'moderator');
    writer = await registerUser(t.http);
    articleId = await h.createArticle(admin);
  });
  afterAll(async () => {
    unsubscribe();
    await t.close();
  });

  it('accepts one report per user and comment (201, then 409) and publishes report.created with the count', async () => {
    const target = await h.comment(writer, articleId, 'reported words');
    const first = await registerUser(t.http);
    const second = await registerUser(t.http);
    events.length = 0;

    const res = await h.report(first, target.id, { reason: 'spam' }).expect(201);
    expect(res.body).toEqual({ id: expect.any(String), commentId: target.id });
    const again = await h.report(first, target.id, { reason: 'spam again' }).expect(409);
    expect(again.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
    await h.report(second, target.id, { reason: 'rude' }).expect(201);
    await h.report(moderator, target.id, { reason: 'really rude' }).expect(201);

    expect(await countRows(t.database.url, 'comment_reports', 'comment_id = $1', [target.id])).toBe(
      3,
    );
    expect(events).toEqual([
      { comment: expect.objectContaining({ id: target.id, status: 'visible' }), reportCount: 1 },
      { comment: expect.objectContaining({ id: target.id }), reportCount: 2 },
      { comment: expect.objectContaining({ id: target.id }), reportCount: 3 },
    ]);
    expect(events[0]!.comment).toEqual(target);
  });

  it('refuses reports of removed (409) and unknown (404) comments, blank reasons (400), anonymous (401)', async () => {
    const reporter = await registerUser(t.http);
    const removed = await h.comment(writer, articleId);
    await h.remove(moderator, removed.id).expect(200);
    const target = await h.comment(writer, articleId);
    events.length = 0;

    const onRemoved = await h.report(reporter, removed.id).expect(409);
    expect(onRemoved.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
    const unknown = await h.report(reporter, UNKNOWN_ID).expect(404);
    expect(unknown.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    for (const body of [{}, { reason: '' }, { reason: '   ' }, { reason: 'z'.repeat(501) }]) {
      const res = await h.report(reporter, target.id, body).expect(400);
      expect(JSON.stringify(res.body.message)).toMatch(/reason/);
    }
    await h.report(reporter, 'not-a-uuid').expect(400);
    const anonymous = await h.report(null, target.id).expect(401);
    expect(anonymous.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });

    expect(
      await countRows(t.database.url, 'comment_reports', 'comment_id IN ($1, $2)', [
        removed.id,
        target.id,
      ]),
    ).toBe(0);
    expect(events).toEqual([]);
  });

  it('refuses reports from a banned user (403)', async () => {
    const banned = await registerUser(t.http);
    const target = await h.comment(writer, articleId);
    await h.ban(moderator, banned.id).expect(200);

    const res = await h.report(banned, target.id).expect(403);

    expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    expect(await countRows(t.database.url, 'comment_reports', 'comment_id = $1', [target.id])).toBe(
      0,
    );
  });
});

describe('moderation: the queue (HTTP)', () => {
  let t: TestApp;
  let h: ReturnType<typeof helpers>;
  let admin: TestUser;
  let moderator: TestUser;
  let writer: TestUser;
  let reporters: TestUser[];
  let articleId: string;

  beforeAll(async () => {
    t = await startTestApp();
    h = helpers(t);
    admin = await loginAdmin(t.http);
    moderator = await userWithRole(t.http, admin, 'moderator');
    writer = await registerUser(t.http);
    reporters = [];
    for (let i = 0; i < 3; i++) reporters.push(await registerUser(t.http));
    articleId = await h.createArticle(admin);
  });
  afterAll(() => t.close());

  it('lists reported visible comments most reported first, with counts and reasons; removed ones leave', async () => {
    const empty = await h.queue(moderator).expect(200);
    expect(empty.body).toEqual({ items: [], nextCursor: null });

    const once = await h.comment(writer, articleId, 'reported once');
    const thrice = await h.comment(writer, articleId, 'reported thrice');
    const twice = await h.comment(writer, articleId, 'reported twice');
    await h.comment(writer, articleId, 'never reported');
    const [r1, r2, r3] = reporters as [TestUser, TestUser, TestUser];
    await h.report(r1, thrice.id, { reason: 'spam' }).expect(201);
    await h.report(r1, twice.id, { reason: 'rude' }).expect(201);
    await h.report(r2, thrice.id, { reason: 'insult' }).expect(201);
    await h.report(r1, once.id, { reason: 'off topic' }).expect(201);
    await h.report(r2, twice.id, { reason: 'ad' }).expect(201);
    await h.report(r3, thrice.id, { reason: 'threat' }).expect(201);

    for (const staff of [moderator, admin]) {
      const res = await h.queue(staff).expect(200);
      expect(res.body).toEqual({
        items: [
          { comment: thrice, reportCount: 3, reasons: ['spam', 'insult', 'threat'] },
          { comment: twice, reportCount: 2, reasons: ['rude', 'ad'] },
          { comment: once, reportCount: 1, reasons: ['off topic'] },
        ],
        nextCursor: null,
      });
    }

    await h.remove(moderator, twice.id).expect(200);

    const after = await h.queue(moderator).expect(200);
    expect((after.body as PageBody<QueueItemBody>).items.map((item) => item.comment.id)).toEqual([
      thrice.id,
      once.id,
    ]);
  });

  it('is for moderators and admins only: reader 403, anonymous 401', async () => {
    const byReader = await h.queue(reporters[0]!).expect(403);
    expect(byReader.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    const anonymous = await h.queue(null).expect(401);
    expect(anonymous.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
  });

  it('walks every item exactly once with limit=1, and rejects bad cursors and limits (400)', async () => {
    const all = await h.queue(moderator, '?limit=100').expect(200);
    const expected = (all.body as PageBody<QueueItemBody>).items.map((item) => item.comment.id);
    expect(expected.length).toBeGreaterThanOrEqual(2);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const qs: string = cursor ? `?limit=1&cursor=${encodeURIComponent(cursor)}` : '?limit=1';
      const res = await h.queue(moderator, qs).expect(200);
      const page = res.body as PageBody<QueueItemBody>;
      expect(page.items.length).toBe(1);
      seen.push(...page.items.map((item) => item.comment.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 20);

    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);

    const negative = Buffer.from(JSON.stringify([-1])).toString('base64url');
    for (const qs of ['?cursor=garbage', `?cursor=${negative}`, '?limit=0', '?limit=101']) {
      const res = await h.queue(moderator, qs).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
  });
});

describe('moderation: the log (HTTP)', () => {
  let t: TestApp;
  let h: ReturnType<typeof helpers>;
  let admin: TestUser;
  let moderator: TestUser;
  let writer: TestUser;
  let articleId: string;

  beforeAll(async () => {
    t = await startTestApp();
    h = helpers(t);
    admin = await loginAdmin(t.http);
    writer = await registerUser(t.http);
    articleId = await h.createArticle(admin);
  });
  afterAll(() => t.close());

  it('records every remove, restore, ban, unban and role change once, listed newest first', async () => {
    expect(await countRows(t.database.url, 'moderation_log')).toBe(0);

    moderator = await userWithRole(t.http, admin, 'moderator'); // user.role by the admin
    const target = await h.comment(writer, articleId);
    await h.remove(moderator, target.id, { reason: 'abusive' }).expect(200);
    await h.restore(moderator, target.id).expect(200);
    await h.ban(moderator, writer.id, 'spamming').expect(200);
    await h.unban(admin, writer.id).expect(200);

    const rows = await query<{ action: string; count: string }>(
      t.database.url,
      'SELECT action, count(*) FROM moderation_log GROUP BY action ORDER BY action',
    );
    expect(rows).toEqual([
      { action: 'comment.remove', count: '1' },
      { action: 'comment.restore', count: '1' },
      { action: 'user.ban', count: '1' },
      { action: 'user.role', count: '1' },
      { action: 'user.unban', count: '1' },
    ]);

    const asModerator = {
      id: moderator.id,
      username: moderator.username,
      displayName: moderator.username,
    };
    const asAdmin = { id: admin.id, username: admin.username, displayName: admin.username };
    for (const staff of [moderator, admin]) {
      const res = await h.log(staff).expect(200);
      expect(res.body).toEqual({
        items: [
          {
            id: expect.any(String),
            action: 'user.unban',
            moderator: asAdmin,
            targetType: 'user',
            targetId: writer.id,
            reason: null,
            createdAt: expect.stringMatching(ISO),
          },
          {
            id: expect.any(String),
            action: 'user.ban',
            moderator: asModerator,
            targetType: 'user',
            targetId: writer.id,
            reason: 'spamming',
            createdAt: expect.stringMatching(ISO),
          },
          {
            id: expect.any(String),
            action: 'comment.restore',
            moderator: asModerator,
            targetType: 'comment',
            targetId: target.id,
            reason: null,
            createdAt: expect.stringMatching(ISO),
          },
          {
            id: expect.any(String),
            action: 'comment.remove',
            moderator: asModerator,
            targetType: 'comment',
            targetId: target.id,
            reason: 'abusive',
            createdAt: expect.stringMatching(ISO),
          },
          {
            id: expect.any(String),
            action: 'user.role',
            moderator: asAdmin,
            targetType: 'user',
            targetId: moderator.id,
            reason: 'reader -> moderator',
            createdAt: expect.stringMatching(ISO),
          },
        ],
        nextCursor: null,
      });
      const times = (res.body as PageBody<LogItemBody>).items.map((item) =>
        Date.parse(item.createdAt),
      );
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    }
  });

  it('is for moderators and admins only: reader 403, anonymous 401', async () => {
    const byReader = await h.log(writer).expect(403);
    expect(byReader.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    const anonymous = await h.log(null).expect(401);
    expect(anonymous.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
  });

  it('walks every entry exactly once with limit=2; rejects a bad cursor (400)', async () => {
    // a few more entries, so that pages are full more than once
    const another = await h.comment(writer, articleId);
    await h.remove(admin, another.id).expect(200);
    await h.restore(admin, another.id).expect(200);

    const total = await countRows(t.database.url, 'moderation_log');
    expect(total).toBe(7);
    const all = await h.log(admin, '?limit=100').expect(200);
    const expected = (all.body as PageBody<LogItemBody>).items.map((item) => item.id);
    expect(expected.length).toBe(total);

    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const qs: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
      const res = await h.log(moderator, qs).expect(200);
      const page = res.body as PageBody<LogItemBody>;
      sizes.push(page.items.length);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor !== null && sizes.length < 20);

    expect(sizes).toEqual([2, 2, 2, 1]);
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(total);

    const wrongShape = Buffer.from(JSON.stringify([1, 2])).toString('base64url');
    for (const qs of ['?cursor=garbage', `?cursor=${wrongShape}`]) {
      const res = await h.log(moderator, qs).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
  });
});

describe('moderation: bans (HTTP)', () => {
  let t: TestApp;
  let h: ReturnType<typeof helpers>;
  let admin: TestUser;
  let moderator: TestUser;
  let articleId: string;

  beforeAll(async () => {
    t = await startTestApp();
    h = helpers(t);
    admin = await loginAdmin(t.http);
    moderator = await userWithRole(t.http, admin, 'moderator');
    articleId = await h.createArticle(admin);
  });
  afterAll(() => t.close());

  it("bars a banned user's existing token from every write at once, keeps reads, and unbanning lifts it", async () => {
    const user = await registerUser(t.http);
    const other = await registerUser(t.http);
    const own = await h.comment(user, articleId, 'my own words');
    const theirs = await h.comment(other, articleId, 'their words');
    const vote = (value: 'up' | 'down') =>
      request(t.http)
        .put(`/api/articles/${articleId}/votes/interesting`)
        .set(...bearer(user))
        .send({ value });
    await vote('up').expect(200);

    await h.ban(moderator, user.id).expect(200);

    const writes: [string, () => request.Test][] = [
      ['PUT vote', () => vote('down')],
      [
        'POST comment',
        () =>
          request(t.http)
            .post(`/api/articles/${articleId}/comments`)
            .set(...bearer(user))
            .send({ body: 'while banned' }),
      ],
      ['POST report', () => h.report(user, theirs.id)],
      [
        'PATCH own comment',
        () =>
          request(t.http)
            .patch(`/api/comments/${own.id}`)
            .set(...bearer(user))
            .send({ body: 'edited while banned' }),
      ],
      [
        'DELETE own comment',
        () =>
          request(t.http)
            .delete(`/api/comments/${own.id}`)
            .set(...bearer(user)),
      ],
    ];
    for (const [name, call] of writes) {
      const res = await call();
      expect({ name, status: res.status }).toEqual({ name, status: 403 });
      expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    }

    // nothing was written
    const [stored] = await query<{ body: string; status: string; edited_at: Date | null }>(
      t.database.url,
      'SELECT body, status, edited_at FROM comments WHERE id = $1',
      [own.id],
    );
    expect(stored).toEqual({ body: 'my own words', status: 'visible', edited_at: null });
    expect(await countRows(t.database.url, 'comments', 'author_id = $1', [user.id])).toBe(1);
    expect(await countRows(t.database.url, 'comment_reports', 'reporter_id = $1', [user.id])).toBe(
      0,
    );
    const [storedVote] = await query<{ value: string }>(
      t.database.url,
      'SELECT value FROM votes WHERE user_id = $1',
      [user.id],
    );
    expect(storedVote?.value).toBe('up');

    // reads still work with the same token
    for (const path of [
      `/api/articles/${articleId}`,
      `/api/articles/${articleId}/comments`,
      '/api/articles',
      '/api/auth/me',
    ]) {
      const res = await request(t.http)
        .get(path)
        .set(...bearer(user));
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
    }

    await h.unban(moderator, user.id).expect(200);

    await vote('down').expect(200);
    await request(t.http)
      .post(`/api/articles/${articleId}/comments`)
      .set(...bearer(user))
      .send({ body: 'back again' })
      .expect(201);
    await h.report(user, theirs.id).expect(201);
    const edited = await request(t.http)
      .patch(`/api/comments/${own.id}`)
      .set(...bearer(user))
      .send({ body: 'edited after unban' })
      .expect(200);
    expect(edited.body).toMatchObject({
      body: 'edited after unban',
      editedAt: expect.stringMatching(ISO),
    });
    await request(t.http)
      .delete(`/api/comments/${own.id}`)
      .set(...bearer(user))
      .expect(204);
    expect(await countRows(t.database.url, 'comments', 'author_id = $1', [user.id])).toBe(2);
  });
});
