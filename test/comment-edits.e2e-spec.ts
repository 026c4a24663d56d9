import request from 'supertest';
import {
  bearer,
  createArticle,
  loginAdmin,
  postComment,
  registerUser,
  type TestUser,
  userWithRole,
} from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';
import { query } from './support/test-database';

const DEFAULTS = {
  mode: 'post',
  bannedWords: ['forbidden'],
  suspectWords: ['suspicious'],
  editWindowSeconds: 900,
  holdLinks: true,
};

interface CommentBody {
  id: string;
  body: string | null;
  status: string;
  createdAt: string;
  editedAt: string | null;
}

describe('edit window, revisions and a user’s history', () => {
  let t: TestApp;
  let admin: TestUser;
  let moderator: TestUser;
  let author: TestUser;
  let other: TestUser;
  let articleId: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t.http);
    moderator = await userWithRole(t.http, admin, 'moderator');
    author = await registerUser(t.http);
    other = await registerUser(t.http);
    articleId = await createArticle(t.http, admin);
    await setDefaults({});
  });
  afterAll(() => t.close());

  function setDefaults(settings: object): Promise<unknown> {
    return request(t.http)
      .put('/api/settings/moderation')
      .set(...bearer(admin))
      .send({ ...DEFAULTS, ...settings })
      .then((res) => expect(res.status).toBe(200));
  }
  const post = async (user: TestUser, body: string): Promise<CommentBody> =>
    (await postComment(t.http, user, articleId, body).expect(201)).body as CommentBody;
  const edit = (user: TestUser, id: string, body: unknown): request.Test =>
    request(t.http)
      .patch(`/api/comments/${id}`)
      .set(...bearer(user))
      .send({ body });
  const revisions = (id: string, user: TestUser | null): request.Test => {
    const call = request(t.http).get(`/api/comments/${id}/revisions`);
    return user ? call.set(...bearer(user)) : call;
  };
  const stored = async (id: string) =>
    (
      await query<{ body: string; status: string; revisions: number }>(
        t.database.url,
        `SELECT body, status, (SELECT count(*)::int FROM comment_revisions WHERE comment_id = c.id) AS revisions
           FROM comments c WHERE id = $1`,
        [id],
      )
    )[0]!;
  const seq = async (): Promise<number> =>
    (
      await query<{ comment_seq: number }>(
        t.database.url,
        'SELECT comment_seq FROM articles WHERE id = $1',
        [articleId],
      )
    )[0]!.comment_seq;
  const age = (id: string, seconds: number) =>
    query(
      t.database.url,
      `UPDATE comments SET created_at = clock_timestamp() - $2 * interval '1 second' WHERE id = $1`,
      [id, seconds],
    );

  it('keeps every edit as a revision, the original included, oldest first', async () => {
    const comment = await post(author, 'first words');
    const once = (await edit(author, comment.id, 'second words').expect(200)).body as CommentBody;
    const twice = (await edit(author, comment.id, 'third words').expect(200)).body as CommentBody;
    const res = await revisions(comment.id, author).expect(200);
    expect(res.body).toEqual({
      items: [
        { body: 'first words', editedAt: comment.createdAt },
        { body: 'second words', editedAt: once.editedAt },
        { body: 'third words', editedAt: twice.editedAt },
      ],
    });
    for (const staff of [moderator, admin]) {
      expect((await revisions(comment.id, staff).expect(200)).body).toEqual(res.body);
    }
    const fresh = await post(author, 'never edited');
    expect((await revisions(fresh.id, author).expect(200)).body).toEqual({
      items: [{ body: 'never edited', editedAt: fresh.createdAt }],
    });
  });

  it('revisions: 403 for other readers, 401 without a token, 404 unknown, 400 not a UUID', async () => {
    const comment = await post(author, 'mine');
    await revisions(comment.id, other).expect(403);
    await revisions(comment.id, null).expect(401);
    await revisions('00000000-0000-4000-8000-000000000000', moderator).expect(404);
    await revisions('nope', moderator).expect(400);
  });

  it('an edit after the window is a 403, and with a window of 0 every edit is; nothing changes', async () => {
    const comment = await post(author, 'old words');
    await age(comment.id, 901);
    const late = await edit(author, comment.id, 'too late').expect(403);
    expect((late.body as { message: string }).message).toMatch(/edit window/);
    expect(await stored(comment.id)).toEqual({
      body: 'old words',
      status: 'visible',
      revisions: 0,
    });
    await age(comment.id, 899);
    await edit(author, comment.id, 'just in time').expect(200);

    await setDefaults({ editWindowSeconds: 0 });
    const fresh = await post(author, 'fixed');
    await edit(author, fresh.id, 'changed').expect(403);
    expect(await stored(fresh.id)).toEqual({ body: 'fixed', status: 'visible', revisions: 0 });
    await setDefaults({});
  });

  it('an edit adding a banned word is a 400; one adding a suspect word or a link is not held', async () => {
    const comment = await post(author, 'clean words');
    const before = await seq();
    const res = await edit(author, comment.id, 'now FORBIDDEN words').expect(400);
    expect((res.body as { message: string }).message).toMatch(/banned/);
    expect(await stored(comment.id)).toEqual({
      body: 'clean words',
      status: 'visible',
      revisions: 0,
    });
    expect(await seq()).toBe(before);

    const kept = (await edit(author, comment.id, 'suspicious, see www.x.test').expect(200))
      .body as CommentBody;
    expect(kept.status).toBe('visible');
    await setDefaults({ mode: 'pre' });
    expect(
      ((await edit(author, comment.id, 'in pre mode').expect(200)).body as CommentBody).status,
    ).toBe('visible');
    await setDefaults({});

    const staff = await post(moderator, 'staff words');
    await edit(moderator, staff.id, 'forbidden by staff').expect(200);
  });

  it('a pending comment can be edited and stays pending and unseen; a rejected one cannot', async () => {
    const held = await post(author, 'suspicious thing');
    expect(held.status).toBe('pending');
    const before = await seq();
    const edited = (await edit(author, held.id, 'a better thing').expect(200)).body as CommentBody;
    expect(edited).toMatchObject({ status: 'pending', body: 'a better thing' });
    expect(await seq()).toBe(before);
    await edit(author, held.id, 'forbidden').expect(400);

    const rejected = await post(author, 'forbidden thing');
    expect(rejected.status).toBe('rejected');
    await edit(author, rejected.id, 'sorry').expect(409);
    await edit(other, held.id, 'not mine').expect(403);
  });

  it('GET /api/users/:id/comments: every status, as written, newest first, paged; for moderators', async () => {
    const user = await registerUser(t.http);
    const visible = await post(user, 'visible one');
    const held = await post(user, 'suspicious one');
    const rejected = await post(user, 'forbidden one');
    const removed = await post(user, 'to be removed');
    await request(t.http)
      .post(`/api/comments/${removed.id}/remove`)
      .set(...bearer(moderator))
      .send({ reason: 'rude' })
      .expect(200);
    const deleted = await post(user, 'to be deleted');
    await request(t.http)
      .delete(`/api/comments/${deleted.id}`)
      .set(...bearer(user))
      .expect(204);
    await post(other, 'not theirs');

    const walked: CommentBody[] = [];
    let cursor: string | null = null;
    do {
      const res = await request(t.http)
        .get(`/api/users/${user.id}/comments?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .set(...bearer(moderator))
        .expect(200);
      const page = res.body as { items: CommentBody[]; nextCursor: string | null };
      walked.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(walked.map((c) => [c.id, c.status, c.body])).toEqual([
      [deleted.id, 'deleted', 'to be deleted'],
      [removed.id, 'removed', 'to be removed'],
      [rejected.id, 'rejected', 'forbidden one'],
      [held.id, 'pending', 'suspicious one'],
      [visible.id, 'visible', 'visible one'],
    ]);

    await request(t.http)
      .get(`/api/users/${user.id}/comments`)
      .set(...bearer(user))
      .expect(403);
    await request(t.http).get(`/api/users/${user.id}/comments`).expect(401);
    await request(t.http)
      .get('/api/users/00000000-0000-4000-8000-000000000000/comments')
      .set(...bearer(admin))
      .expect(404);
    await request(t.http)
      .get(`/api/users/${user.id}/comments?cursor=garbage`)
      .set(...bearer(admin))
      .expect(400);
  });
});
