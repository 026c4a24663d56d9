import { randomBytes } from 'node:crypto';
import request from 'supertest';
import {
  bearer,
  countRows,
  createArticle,
  loginAdmin,
  postComment,
  registerUser,
  type TestUser,
  userWithRole,
} from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';
import { query } from './support/test-database';

interface Settings {
  mode: 'post' | 'pre' | 'first-comment';
  bannedWords: string[];
  suspectWords: string[];
  editWindowSeconds: number;
  holdLinks: boolean;
}

interface CommentBody {
  id: string;
  articleId: string;
  parentId: string | null;
  body: string | null;
  status: string;
  replyCount: number;
  featured: boolean;
  score: { up: number; down: number };
}

interface PageBody<T> {
  items: T[];
  nextCursor: string | null;
}

const DEFAULTS: Settings = {
  mode: 'post',
  bannedWords: [],
  suspectWords: [],
  editWindowSeconds: 900,
  holdLinks: false,
};

describe('moderation settings and pre-moderation (HTTP)', () => {
  let t: TestApp;
  let admin: TestUser;
  let moderator: TestUser;
  let reader: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t.http);
    moderator = await userWithRole(t.http, admin, 'moderator');
    reader = await registerUser(t.http);
  });
  afterAll(() => t.close());

  const putDefaults = (settings: unknown, as: TestUser = admin): request.Test =>
    request(t.http)
      .put('/api/settings/moderation')
      .set(...bearer(as))
      .send(settings as object);
  const getDefaults = (): request.Test =>
    request(t.http)
      .get('/api/settings/moderation')
      .set(...bearer(admin));
  const article = (): Promise<string> =>
    createArticle(t.http, admin, { title: `Pre ${randomBytes(4).toString('hex')}` });
  const list = (articleId: string, as: TestUser | null, params = ''): Promise<CommentBody[]> => {
    const call = request(t.http).get(`/api/articles/${articleId}/comments${params}`);
    return (as ? call.set(...bearer(as)) : call)
      .expect(200)
      .then((res) => (res.body as PageBody<CommentBody>).items);
  };
  const articleRow = async (articleId: string) =>
    (
      await query<{ comment_seq: number; comment_count: number }>(
        t.database.url,
        'SELECT comment_seq, comment_count FROM articles WHERE id = $1',
        [articleId],
      )
    )[0]!;
  const post = async (user: TestUser, articleId: string, body: string): Promise<CommentBody> =>
    (await postComment(t.http, user, articleId, body).expect(201)).body as CommentBody;

  describe('default settings', () => {
    it('answers the built-in defaults until set, to admins only', async () => {
      expect((await getDefaults().expect(200)).body).toEqual(DEFAULTS);
      await request(t.http).get('/api/settings/moderation').expect(401);
      await request(t.http)
        .get('/api/settings/moderation')
        .set(...bearer(moderator))
        .expect(403);
      await putDefaults(DEFAULTS, moderator).expect(403);
    });

    it('stores and answers new defaults', async () => {
      const settings: Settings = {
        mode: 'first-comment',
        bannedWords: ['ugly word', 'Bad'],
        suspectWords: ['maybe'],
        editWindowSeconds: 60,
        holdLinks: true,
      };
      expect((await putDefaults(settings).expect(200)).body).toEqual(settings);
      expect((await getDefaults().expect(200)).body).toEqual(settings);
      await putDefaults(DEFAULTS).expect(200);
    });

    it.each([
      ['an unknown mode', { ...DEFAULTS, mode: 'later' }, 'mode'],
      ['more than 10,000 banned words', { ...DEFAULTS, bannedWords: words(10_001) }, 'bannedWords'],
      [
        'more than 10,000 suspect words',
        { ...DEFAULTS, suspectWords: words(10_001) },
        'suspectWords',
      ],
      ['a control character in a word', { ...DEFAULTS, bannedWords: ['a\u0007b'] }, 'bannedWords'],
      ['a NUL in a word', { ...DEFAULTS, suspectWords: ['a\u0000'] }, 'suspectWords'],
      ['an empty word', { ...DEFAULTS, bannedWords: ['  '] }, 'bannedWords'],
      ['a word that is not a string', { ...DEFAULTS, bannedWords: [3] }, 'bannedWords'],
      [
        'an edit window over a day',
        { ...DEFAULTS, editWindowSeconds: 86_401 },
        'editWindowSeconds',
      ],
      ['a negative edit window', { ...DEFAULTS, editWindowSeconds: -1 }, 'editWindowSeconds'],
      ['a fractional edit window', { ...DEFAULTS, editWindowSeconds: 1.5 }, 'editWindowSeconds'],
      ['holdLinks not a boolean', { ...DEFAULTS, holdLinks: 'yes' }, 'holdLinks'],
      ['a missing field', { mode: 'pre' }, 'bannedWords'],
      ['an unknown field', { ...DEFAULTS, shadowBan: true }, 'shadowBan'],
    ])('refuses %s with a 400 naming the field, and changes nothing', async (_, body, field) => {
      const before = (await getDefaults().expect(200)).body as Settings;
      const res = await putDefaults(body).expect(400);
      expect(JSON.stringify((res.body as { message: unknown }).message)).toContain(field);
      expect((await getDefaults().expect(200)).body).toEqual(before);
    });

    it('takes 10,000 words', async () => {
      const many = words(10_000);
      await putDefaults({ ...DEFAULTS, bannedWords: many }).expect(200);
      expect(((await getDefaults().expect(200)).body as Settings).bannedWords).toHaveLength(10_000);
      await putDefaults(DEFAULTS).expect(200);
    });
  });

  describe('closed threads', () => {
    it('PATCH commentsClosed: posting answers 403 until reopened; bad values are a 400', async () => {
      const articleId = await article();
      const close = (value: unknown) =>
        request(t.http)
          .patch(`/api/articles/${articleId}`)
          .set(...bearer(admin))
          .send({ commentsClosed: value });
      const closed = await close(true).expect(200);
      expect((closed.body as { commentsClosed: boolean }).commentsClosed).toBe(true);
      const refused = await postComment(t.http, reader, articleId, 'hello').expect(403);
      expect((refused.body as { message: string }).message).toMatch(/closed/);
      await postComment(t.http, moderator, articleId, 'hello').expect(403);
      expect(await countRows(t.database.url, 'comments', 'article_id = $1', [articleId])).toBe(0);

      const bad = await close('yes').expect(400);
      expect(JSON.stringify(bad.body)).toContain('commentsClosed');
      await close(null).expect(400);
      await close(false).expect(200);
      await postComment(t.http, reader, articleId, 'hello').expect(201);
    });
  });

  describe('the decision on posting', () => {
    afterEach(async () => {
      await putDefaults(DEFAULTS).expect(200);
    });

    it('rejects a banned word in any case or width, as a whole word only', async () => {
      await putDefaults({ ...DEFAULTS, bannedWords: ['bad', 'very rude'] }).expect(200);
      const articleId = await article();
      for (const body of ['so ＢＡＤ', 'Bad!', 'this is VERY   rude.']) {
        expect((await post(reader, articleId, body)).status).toBe('rejected');
      }
      for (const body of ['badly made', 'badminton', 'very, rude']) {
        expect((await post(reader, articleId, body)).status).toBe('visible');
      }
      // staff are never rejected
      expect((await post(moderator, articleId, 'bad')).status).toBe('visible');
      expect((await post(admin, articleId, 'bad')).status).toBe('visible');
    });

    it('holds in pre mode, on a suspect word and on a link with holdLinks', async () => {
      const articleId = await article();
      await putDefaults({ ...DEFAULTS, mode: 'pre' }).expect(200);
      expect((await post(reader, articleId, 'anything')).status).toBe('pending');
      expect((await post(moderator, articleId, 'anything')).status).toBe('visible');

      await putDefaults({ ...DEFAULTS, suspectWords: ['crypto'] }).expect(200);
      expect((await post(reader, articleId, 'buy CRYPTO now')).status).toBe('pending');
      expect((await post(reader, articleId, 'cryptography is fine')).status).toBe('visible');

      await putDefaults({ ...DEFAULTS, holdLinks: true }).expect(200);
      for (const body of ['see http://x.test', 'see HTTPS://x.test', 'www.example.com']) {
        expect((await post(reader, articleId, body)).status).toBe('pending');
      }
      expect((await post(reader, articleId, 'no link, just www')).status).toBe('visible');
      await putDefaults({ ...DEFAULTS, holdLinks: false }).expect(200);
      expect((await post(reader, articleId, 'see http://x.test')).status).toBe('visible');
    });

    it('first-comment holds a reader without any visible comment, anywhere', async () => {
      const veteran = await registerUser(t.http);
      const newcomer = await registerUser(t.http);
      const elsewhere = await article();
      await post(veteran, elsewhere, 'from before');
      await putDefaults({ ...DEFAULTS, mode: 'first-comment' }).expect(200);
      const articleId = await article();
      expect((await post(veteran, articleId, 'again')).status).toBe('visible');
      expect((await post(newcomer, articleId, 'first')).status).toBe('pending');
      // a held one does not count
      expect((await post(newcomer, articleId, 'second')).status).toBe('pending');
    });

    it("a site's own settings apply to its articles; without them the defaults do", async () => {
      const site = await request(t.http)
        .post('/api/sites')
        .set(...bearer(admin))
        .send({
          name: 'Pre site',
          origins: ['https://pre.example'],
          moderation: { ...DEFAULTS, mode: 'pre' },
        })
        .expect(201);
      const siteId = (site.body as { id: string }).id;
      const siteArticle = await request(t.http)
        .put(`/api/sites/${siteId}/articles/story-1`)
        .set(...bearer(admin))
        .send({ title: 'Site story', category: 'News' })
        .expect(201);
      const siteArticleId = (siteArticle.body as { id: string }).id;
      const plain = await article();
      expect((await post(reader, siteArticleId, 'on the site')).status).toBe('pending');
      expect((await post(reader, plain, 'elsewhere')).status).toBe('visible');

      await request(t.http)
        .patch(`/api/sites/${siteId}`)
        .set(...bearer(admin))
        .send({ moderation: { ...DEFAULTS, bannedWords: ['nope'] } })
        .expect(200);
      expect((await post(reader, siteArticleId, 'fine now')).status).toBe('visible');
      expect((await post(reader, siteArticleId, 'nope')).status).toBe('rejected');
      expect((await post(reader, plain, 'nope')).status).toBe('visible');

      await request(t.http)
        .patch(`/api/sites/${siteId}`)
        .set(...bearer(admin))
        .send({ moderation: null })
        .expect(200);
      await putDefaults({ ...DEFAULTS, mode: 'pre' }).expect(200);
      expect((await post(reader, siteArticleId, 'nope')).status).toBe('pending');
    });
  });

  describe('pending and rejected comments', () => {
    it('are seen only by their author (with status) and by moderators with include=pending', async () => {
      const articleId = await article();
      const visible = await post(reader, articleId, 'a visible one');
      const before = await articleRow(articleId);
      await putDefaults({ ...DEFAULTS, mode: 'pre', bannedWords: ['banned'] }).expect(200);
      const held = await post(reader, articleId, 'held for now');
      const rejected = await post(reader, articleId, 'banned words');
      const reply = (
        await postComment(t.http, reader, articleId, 'held reply', visible.id).expect(201)
      ).body as CommentBody;
      await putDefaults(DEFAULTS).expect(200);
      expect([held.status, rejected.status, reply.status]).toEqual([
        'pending',
        'rejected',
        'pending',
      ]);
      expect(held.body).toBe('held for now');

      // no seq, no count, no reply count for anyone
      expect(await articleRow(articleId)).toEqual(before);
      const other = await registerUser(t.http);
      for (const viewer of [null, other, moderator]) {
        expect((await list(articleId, viewer)).map((c) => c.id)).toEqual([visible.id]);
        expect((await list(articleId, viewer, `?parentId=${visible.id}`)).map((c) => c.id)).toEqual(
          [],
        );
      }
      expect((await list(articleId, null))[0]!.replyCount).toBe(0);
      const own = await list(articleId, reader);
      expect(own.map((c) => [c.id, c.status])).toEqual([
        [rejected.id, 'rejected'],
        [held.id, 'pending'],
        [visible.id, 'visible'],
      ]);
      expect((await list(articleId, reader, `?parentId=${visible.id}`)).map((c) => c.id)).toEqual([
        reply.id,
      ]);
      const staff = await list(articleId, moderator, '?include=pending');
      expect(staff.map((c) => c.id)).toEqual([rejected.id, held.id, visible.id]);
      expect((await list(articleId, admin, '?include=removed,pending')).length).toBe(3);
      await request(t.http)
        .get(`/api/articles/${articleId}/comments?include=pending`)
        .set(...bearer(other))
        .expect(403);
      await request(t.http).get(`/api/articles/${articleId}/comments?include=pending`).expect(401);
      await request(t.http)
        .get(`/api/articles/${articleId}/comments?include=everything`)
        .set(...bearer(moderator))
        .expect(400);

      // nobody can reply to, report, remove or vote on a held comment
      await postComment(t.http, other, articleId, 'reply', held.id).expect(409);
      await request(t.http)
        .post(`/api/comments/${held.id}/reports`)
        .set(...bearer(other))
        .send({ reason: 'spam' })
        .expect(409);
      await request(t.http)
        .post(`/api/comments/${held.id}/remove`)
        .set(...bearer(moderator))
        .send({ reason: 'spam' })
        .expect(409);
    });

    it('approve: visible with the next seq, counted; reject: with its reason; both logged', async () => {
      const articleId = await article();
      const parent = await post(reader, articleId, 'parent');
      await putDefaults({ ...DEFAULTS, mode: 'pre' }).expect(200);
      const first = await post(reader, articleId, 'first held');
      const second = (
        await postComment(t.http, reader, articleId, 'second held', parent.id).expect(201)
      ).body as CommentBody;
      const third = await post(reader, articleId, 'third held');
      await putDefaults(DEFAULTS).expect(200);

      // the whole queue, two at a time (earlier tests left held comments too), oldest first
      type Item = { comment: CommentBody; reportCount: number; reasons: string[] };
      const walked: Item[] = [];
      let cursor: string | null = null;
      do {
        const res = await request(t.http)
          .get(`/api/moderation/queue?status=pending&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
          .set(...bearer(moderator))
          .expect(200);
        const page = res.body as PageBody<Item>;
        expect(page.items.length).toBeLessThanOrEqual(2);
        walked.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(walked.every((item) => item.comment.status === 'pending')).toBe(true);
      const ours = walked.filter((item) => item.comment.articleId === articleId);
      expect(ours.map((item) => item.comment.id)).toEqual([first.id, second.id, third.id]);
      expect(ours[0]).toMatchObject({
        reportCount: 0,
        reasons: [],
        comment: { body: 'first held' },
      });
      await request(t.http)
        .get('/api/moderation/queue?status=held')
        .set(...bearer(moderator))
        .expect(400);

      const before = await articleRow(articleId);
      const approved = await request(t.http)
        .post(`/api/comments/${second.id}/approve`)
        .set(...bearer(moderator))
        .expect(200);
      expect(approved.body).toMatchObject({
        id: second.id,
        status: 'visible',
        body: 'second held',
      });
      expect(await articleRow(articleId)).toEqual({
        comment_seq: before.comment_seq + 1,
        comment_count: before.comment_count + 1,
      });
      const [event] = await query<{ type: string; comment_id: string }>(
        t.database.url,
        'SELECT type, comment_id FROM comment_events WHERE article_id = $1 AND seq = $2',
        [articleId, before.comment_seq + 1],
      );
      expect(event).toEqual({ type: 'comment.created', comment_id: second.id });
      expect((await list(articleId, null))[0]!.replyCount).toBe(1);
      expect((await list(articleId, null, `?parentId=${parent.id}`)).map((c) => c.id)).toEqual([
        second.id,
      ]);

      const rejected = await request(t.http)
        .post(`/api/comments/${first.id}/reject`)
        .set(...bearer(moderator))
        .send({ reason: 'off topic' })
        .expect(200);
      expect(rejected.body).toMatchObject({ id: first.id, status: 'rejected' });
      expect(await articleRow(articleId)).toEqual({
        comment_seq: before.comment_seq + 1,
        comment_count: before.comment_count + 1,
      });
      const [stored] = await query<{ removed_reason: string }>(
        t.database.url,
        'SELECT removed_reason FROM comments WHERE id = $1',
        [first.id],
      );
      expect(stored!.removed_reason).toBe('off topic');

      // wrong states and bad input: 4xx, nothing changed
      await request(t.http)
        .post(`/api/comments/${second.id}/approve`)
        .set(...bearer(moderator))
        .expect(409);
      await request(t.http)
        .post(`/api/comments/${first.id}/approve`)
        .set(...bearer(moderator))
        .expect(409);
      await request(t.http)
        .post(`/api/comments/${second.id}/reject`)
        .set(...bearer(moderator))
        .send({ reason: 'late' })
        .expect(409);
      await request(t.http)
        .post(`/api/comments/${third.id}/reject`)
        .set(...bearer(moderator))
        .send({})
        .expect(400);
      await request(t.http)
        .post(`/api/comments/${third.id}/reject`)
        .set(...bearer(moderator))
        .send({ reason: 'x', extra: 1 })
        .expect(400);
      await request(t.http)
        .post(`/api/comments/${third.id}/approve`)
        .set(...bearer(reader))
        .expect(403);
      await request(t.http).post(`/api/comments/${third.id}/approve`).expect(401);
      await request(t.http)
        .post('/api/comments/not-a-uuid/approve')
        .set(...bearer(moderator))
        .expect(400);
      await request(t.http)
        .post('/api/comments/00000000-0000-4000-8000-000000000000/approve')
        .set(...bearer(moderator))
        .expect(404);
      expect(await articleRow(articleId)).toEqual({
        comment_seq: before.comment_seq + 1,
        comment_count: before.comment_count + 1,
      });

      const log = await request(t.http)
        .get('/api/moderation/log')
        .set(...bearer(moderator))
        .expect(200);
      const entries = (
        log.body as PageBody<{ action: string; targetId: string; reason: string | null }>
      ).items;
      expect(entries.slice(0, 2)).toEqual([
        expect.objectContaining({
          action: 'comment.reject',
          targetId: first.id,
          reason: 'off topic',
        }),
        expect.objectContaining({ action: 'comment.approve', targetId: second.id, reason: null }),
      ]);
    });

    it('feature and unfeature: featured on Comment, ?featured=true, logged, 409 on tombstones', async () => {
      const articleId = await article();
      const a = await post(reader, articleId, 'a');
      const b = await post(reader, articleId, 'b');
      const reply = (await postComment(t.http, reader, articleId, 'reply', a.id).expect(201))
        .body as CommentBody;
      const feature = (id: string) =>
        request(t.http)
          .post(`/api/comments/${id}/feature`)
          .set(...bearer(moderator));
      const seqBefore = (await articleRow(articleId)).comment_seq;
      expect((await feature(b.id).expect(200)).body).toMatchObject({ id: b.id, featured: true });
      expect((await feature(reply.id).expect(200)).body).toMatchObject({ featured: true });
      // again: nothing changes
      await feature(b.id).expect(200);
      expect((await articleRow(articleId)).comment_seq).toBe(seqBefore + 2);
      expect((await list(articleId, null, '?featured=true')).map((c) => c.id).sort()).toEqual(
        [b.id, reply.id].sort(),
      );
      expect((await list(articleId, null)).find((c) => c.id === b.id)!.featured).toBe(true);
      await request(t.http).get(`/api/articles/${articleId}/comments?featured=yes`).expect(400);

      const unfeatured = await request(t.http)
        .delete(`/api/comments/${b.id}/feature`)
        .set(...bearer(moderator))
        .expect(200);
      expect(unfeatured.body).toMatchObject({ featured: false });
      expect((await list(articleId, null, '?featured=true')).map((c) => c.id)).toEqual([reply.id]);

      await request(t.http)
        .post(`/api/comments/${a.id}/remove`)
        .set(...bearer(moderator))
        .send({ reason: 'gone' })
        .expect(200);
      await feature(a.id).expect(409);
      await feature(a.id)
        .set(...bearer(reader))
        .expect(403);
      await request(t.http)
        .post(`/api/comments/${b.id}/feature`)
        .set(...bearer(reader))
        .expect(403);
      const actions = (
        (
          await request(t.http)
            .get('/api/moderation/log')
            .set(...bearer(admin))
            .expect(200)
        ).body as PageBody<{ action: string; targetId: string }>
      ).items
        .filter((e) => [a.id, b.id, reply.id].includes(e.targetId))
        .map((e) => e.action);
      expect(actions).toEqual([
        'comment.remove',
        'comment.unfeature',
        'comment.feature',
        'comment.feature',
      ]);
    });
  });
});

function words(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `w${i}`);
}
