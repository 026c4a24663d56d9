import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { DEMO_ARTICLE } from '../src/articles/demo/demo-article';
import {
  bearer,
  countRows,
  loginAdmin,
  registerUser,
  type TestUser,
  userWithRole,
} from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';
import { query } from './support/test-database';

interface FollowUp {
  id: string;
  question: string;
  answer: string;
}

interface Article {
  id: string;
  slug: string;
  category: string;
  title: string;
  body: string;
  keyTakeaways: string[];
  followUps: FollowUp[];
  tallies: { interesting: { up: number; down: number }; support: { up: number; down: number } };
  commentCount: number;
  publishedAt: string;
  myVotes?: { interesting: string | null; support: string | null };
}

type ArticleSummary = Omit<Article, 'body' | 'followUps' | 'myVotes'>;

interface Page {
  items: ArticleSummary[];
  nextCursor: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const ZERO_TALLIES = { interesting: { up: 0, down: 0 }, support: { up: 0, down: 0 } };
/** Articles made with POST /api/articles belong to no publisher's site (API.md v2). */
const NO_SITE = { siteId: null, externalId: null, url: null, commentsClosed: false };
const SUMMARY_KEYS = [
  'category',
  'commentCount',
  'commentsClosed',
  'externalId',
  'id',
  'keyTakeaways',
  'publishedAt',
  'siteId',
  'slug',
  'tallies',
  'title',
  'url',
];

function tag(): string {
  return randomBytes(4).toString('hex');
}

function newArticle(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    category: 'World',
    title: `Talks resume ${tag()}`,
    body: 'First paragraph.\n\nSecond paragraph.',
    keyTakeaways: ['One thing', 'Another thing'],
    followUps: [
      { question: 'Who?', answer: 'The ministers.' },
      { question: 'When?', answer: 'On Monday.' },
      { question: 'Why?', answer: 'To agree a plan.' },
    ],
    ...overrides,
  };
}

/** Newest first: by publishedAt, then by id, both descending. */
function isBefore(a: ArticleSummary, b: ArticleSummary): boolean {
  return a.publishedAt > b.publishedAt || (a.publishedAt === b.publishedAt && a.id > b.id);
}

describe('articles (HTTP)', () => {
  let t: TestApp;
  let admin: TestUser;
  let reader: TestUser;
  let moderator: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t.http);
    reader = await registerUser(t.http);
    moderator = await userWithRole(t.http, admin, 'moderator');
  });
  afterAll(() => t.close());

  async function create(overrides: Record<string, unknown> = {}): Promise<Article> {
    const res = await request(t.http)
      .post('/api/articles')
      .set(...bearer(admin))
      .send(newArticle(overrides))
      .expect(201);
    return res.body as Article;
  }

  function post(body: unknown, user: TestUser | null = admin): request.Test {
    const call = request(t.http)
      .post('/api/articles')
      .send(body as object);
    return user ? call.set(...bearer(user)) : call;
  }

  function patch(id: string, body: unknown, user: TestUser | null = admin): request.Test {
    const call = request(t.http)
      .patch(`/api/articles/${id}`)
      .send(body as object);
    return user ? call.set(...bearer(user)) : call;
  }

  async function walk(limit: number): Promise<{ items: ArticleSummary[]; pages: Page[] }> {
    const pages: Page[] = [];
    let cursor: string | null = null;
    do {
      const res = await request(t.http)
        .get('/api/articles')
        .query(cursor === null ? { limit } : { limit, cursor })
        .expect(200);
      const page = res.body as Page;
      pages.push(page);
      cursor = page.nextCursor;
      if (pages.length > 100) throw new Error('pagination does not end');
    } while (cursor !== null);
    return { items: pages.flatMap((page) => page.items), pages };
  }

  describe('GET /api/articles', () => {
    it('does not hold the demo article when DATABASE_URL is set (SEED_DEMO defaults to false)', async () => {
      await request(t.http).get(`/api/articles/${DEMO_ARTICLE.slug}`).expect(404);
      expect(await countRows(t.database.url, 'articles', 'slug = $1', [DEMO_ARTICLE.slug])).toBe(0);
    });

    it('answers a page {items, nextCursor} of ArticleSummary without body, followUps or myVotes', async () => {
      const article = await create();

      const res = await request(t.http)
        .get('/api/articles')
        .set(...bearer(reader))
        .expect(200);

      expect(Object.keys(res.body as object).sort()).toEqual(['items', 'nextCursor']);
      const summary = (res.body as Page).items.find((item) => item.id === article.id);
      expect(summary).toBeDefined();
      expect(Object.keys(summary!).sort()).toEqual(SUMMARY_KEYS);
      expect(summary).toEqual({
        id: article.id,
        slug: article.slug,
        category: 'World',
        title: article.title,
        keyTakeaways: ['One thing', 'Another thing'],
        tallies: ZERO_TALLIES,
        commentCount: 0,
        publishedAt: expect.stringMatching(ISO),
        ...NO_SITE,
      });
    });

    it('lists newest first', async () => {
      const older = await create();
      await new Promise((resolve) => setTimeout(resolve, 5));
      const newer = await create();

      const { items } = (await request(t.http).get('/api/articles').expect(200)).body as Page;

      expect(items[0]?.id).toBe(newer.id);
      expect(items[1]?.id).toBe(older.id);
    });

    it('walks every article exactly once, in order, across pages of 7 (ties broken by id)', async () => {
      const created: Article[] = [];
      for (let i = 0; i < 25; i += 1) created.push(await create());
      // ten of them published at the same instant: the id decides their order
      const tied = created.slice(5, 15).map((article) => article.id);
      await query(
        t.database.url,
        `UPDATE articles SET published_at = '2030-01-01T00:00:00.000Z' WHERE id = ANY($1::uuid[])`,
        [tied],
      );
      const total = await countRows(t.database.url, 'articles');

      const { items, pages } = await walk(7);

      expect(items).toHaveLength(total);
      expect(new Set(items.map((item) => item.id)).size).toBe(total);
      for (const article of created) {
        expect(items.filter((item) => item.id === article.id)).toHaveLength(1);
      }
      for (let i = 1; i < items.length; i += 1) {
        expect(isBefore(items[i - 1]!, items[i]!)).toBe(true);
      }
      expect(pages.slice(0, -1).every((page) => page.items.length === 7)).toBe(true);
      expect(pages[pages.length - 1]!.items.length).toBeGreaterThanOrEqual(1);
      expect(pages[pages.length - 1]!.nextCursor).toBeNull();
      // the tied ones come first (2030 is the future) and by id, descending
      expect(items.slice(0, 10).map((item) => item.id)).toEqual([...tied].sort().reverse());
    });

    it('defaults to 20 items and accepts 1 and 100', async () => {
      while ((await countRows(t.database.url, 'articles')) < 21) await create();

      const byDefault = (await request(t.http).get('/api/articles').expect(200)).body as Page;
      const one = (await request(t.http).get('/api/articles?limit=1').expect(200)).body as Page;
      const hundred = (await request(t.http).get('/api/articles?limit=100').expect(200))
        .body as Page;

      expect(byDefault.items).toHaveLength(20);
      expect(byDefault.nextCursor).toEqual(expect.any(String));
      expect(one.items).toHaveLength(1);
      expect(one.items[0]).toEqual(byDefault.items[0]);
      expect(hundred.items.length).toBe(Math.min(100, await countRows(t.database.url, 'articles')));
    });

    it.each(['0', '101', 'abc', '-1', '1.5', ''])('answers 400 for limit=%j', async (limit) => {
      const res = await request(t.http).get('/api/articles').query({ limit }).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(JSON.stringify(res.body.message)).toContain('limit');
    });

    it.each([
      ['garbage', 'not-a-cursor'],
      ['a JSON non-array', Buffer.from('{"a":1}').toString('base64url')],
      ['a tuple of numbers', Buffer.from('[1,2]').toString('base64url')],
      ['a bad date', Buffer.from(`["yesterday","${UNKNOWN_ID}"]`).toString('base64url')],
      ['a bad id', Buffer.from('["2026-01-01T00:00:00.000Z","x"]').toString('base64url')],
      ['an overlong cursor', 'a'.repeat(600)],
    ])('answers 400 for a cursor that is %s', async (_case, cursor) => {
      const res = await request(t.http).get('/api/articles').query({ cursor }).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(JSON.stringify(res.body.message)).toContain('cursor');
    });

    it('answers 400 for an unknown query parameter', async () => {
      const res = await request(t.http).get('/api/articles?sort=oldest').expect(400);
      expect(JSON.stringify(res.body.message)).toContain('sort');
    });
  });

  describe('GET /api/articles/:idOrSlug', () => {
    it('answers the Article by id and by slug, follow-ups in order with their ids', async () => {
      const article = await create();

      const byId = await request(t.http).get(`/api/articles/${article.id}`).expect(200);
      const bySlug = await request(t.http).get(`/api/articles/${article.slug}`).expect(200);
      const byUpperId = await request(t.http)
        .get(`/api/articles/${article.id.toUpperCase()}`)
        .expect(200);

      expect(byId.body).toEqual({
        id: article.id,
        slug: article.slug,
        category: 'World',
        title: article.title,
        body: 'First paragraph.\n\nSecond paragraph.',
        keyTakeaways: ['One thing', 'Another thing'],
        followUps: [
          { id: expect.stringMatching(UUID), question: 'Who?', answer: 'The ministers.' },
          { id: expect.stringMatching(UUID), question: 'When?', answer: 'On Monday.' },
          { id: expect.stringMatching(UUID), question: 'Why?', answer: 'To agree a plan.' },
        ],
        tallies: ZERO_TALLIES,
        commentCount: 0,
        publishedAt: article.publishedAt,
        ...NO_SITE,
      });
      expect(new Set((byId.body as Article).followUps.map((f) => f.id)).size).toBe(3);
      expect(bySlug.body).toEqual(byId.body);
      expect(byUpperId.body).toEqual(byId.body);
      expect(article.followUps).toEqual((byId.body as Article).followUps);
    });

    it('answers 404 for an unknown id and an unknown slug', async () => {
      const byId = await request(t.http).get(`/api/articles/${UNKNOWN_ID}`).expect(404);
      const bySlug = await request(t.http).get('/api/articles/no-such-article').expect(404);
      for (const res of [byId, bySlug]) {
        expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      }
    });

    // a path that cannot be decoded is a bad parameter (400); any other string is looked up as
    // a slug and, naming no article, is an unknown resource (404)
    it.each([
      ['a broken percent-escape', 400, '%E0%A4%A'],
      ['an encoded lone surrogate', 400, '%ED%A0%80'],
      ['a 500-character string', 404, 'a'.repeat(500)],
      ['an encoded NUL', 404, 'abc%00def'],
      ['an encoded path traversal', 404, '..%2F..%2Fetc%2Fpasswd'],
      ['SQL', 404, "x'%20OR%20'1'='1"],
      ['upper case', 404, 'Some-Slug'],
      ['non-ASCII', 404, '%D1%81%D0%BB%D0%BE%D0%B2%D0%BE'],
    ])('answers %s with a %i JSON error, never a 500', async (_case, status, junk) => {
      const res = await request(t.http).get(`/api/articles/${junk}`);
      expect(res.status).toBe(status);
      expect(res.body).toMatchObject({ statusCode: status });
    });

    it('includes myVotes only for a request with a valid access token', async () => {
      const article = await create();

      const anonymous = await request(t.http).get(`/api/articles/${article.id}`).expect(200);
      const badToken = await request(t.http)
        .get(`/api/articles/${article.id}`)
        .set('Authorization', 'Bearer not.a.token')
        .expect(200);
      const signedIn = await request(t.http)
        .get(`/api/articles/${article.slug}`)
        .set(...bearer(reader))
        .expect(200);

      expect(anonymous.body).not.toHaveProperty('myVotes');
      expect(badToken.body).not.toHaveProperty('myVotes');
      expect(signedIn.body).toMatchObject({
        id: article.id,
        myVotes: { interesting: null, support: null },
      });
    });
  });

  describe('POST /api/articles', () => {
    it('creates an article for an admin: 201 Article, stored with its follow-ups', async () => {
      const title = `Ministers Agree: “Plan B” ${tag()}`;
      const res = await post(newArticle({ title, category: '  Important News  ' })).expect(201);

      const article = res.body as Article;
      expect(article).toMatchObject({
        id: expect.stringMatching(UUID),
        slug: `ministers-agree-plan-b-${title.slice(-8)}`,
        category: 'Important News',
        title,
        tallies: ZERO_TALLIES,
        commentCount: 0,
        publishedAt: expect.stringMatching(ISO),
        ...NO_SITE,
      });
      expect(article.followUps.map((f) => f.question)).toEqual(['Who?', 'When?', 'Why?']);
      expect(article).not.toHaveProperty('myVotes');
      expect(
        await countRows(t.database.url, 'article_follow_ups', 'article_id = $1', [article.id]),
      ).toBe(3);
      await request(t.http).get(`/api/articles/${article.slug}`).expect(200);
    });

    it('accepts an explicit slug, and an article without a body or follow-ups', async () => {
      const slug = `chosen-slug-${tag()}`;
      const res = await post({
        slug,
        category: 'Briefs',
        title: 'Short',
        keyTakeaways: [],
        followUps: [],
      }).expect(201);

      expect(res.body).toMatchObject({ slug, body: '', keyTakeaways: [], followUps: [] });
    });

    it('gives two articles of the same title different slugs', async () => {
      const title = `Same Title ${tag()}`;
      const first = await create({ title });
      const second = await create({ title });

      expect(first.slug).not.toBe(second.slug);
      expect(second.slug.startsWith(first.slug)).toBe(true);
      for (const slug of [first.slug, second.slug]) {
        const res = await request(t.http).get(`/api/articles/${slug}`).expect(200);
        expect((res.body as Article).title).toBe(title);
      }
    });

    it('derives a usable slug from a title without letters or digits', async () => {
      const article = await create({ title: '¿¡…!?' });
      expect(article.slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      await request(t.http).get(`/api/articles/${article.slug}`).expect(200);
    });

    it('answers 409 for an explicit slug that is taken, and stores nothing', async () => {
      const existing = await create();
      const before = await countRows(t.database.url, 'articles');

      const res = await post(newArticle({ slug: existing.slug })).expect(409);

      expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
      expect(await countRows(t.database.url, 'articles')).toBe(before);
    });

    it('is for admins only: readers and moderators 403, anonymous callers 401', async () => {
      const before = await countRows(t.database.url, 'articles');

      await post(newArticle(), reader).expect(403);
      await post(newArticle(), moderator).expect(403);
      await post(newArticle(), null).expect(401);

      expect(await countRows(t.database.url, 'articles')).toBe(before);
    });

    const withoutCategory = newArticle();
    delete withoutCategory.category;
    it.each([
      ['a missing category', withoutCategory, 'category'],
      ['a blank category', newArticle({ category: '   ' }), 'category'],
      ['a category over 64 characters', newArticle({ category: 'c'.repeat(65) }), 'category'],
      ['a title over 300 characters', newArticle({ title: 't'.repeat(301) }), 'title'],
      ['a title with NUL', newArticle({ title: 'bad\u0000title' }), 'title'],
      ['keyTakeaways not an array', newArticle({ keyTakeaways: 'one' }), 'keyTakeaways'],
      ['a blank keyTakeaway', newArticle({ keyTakeaways: ['fine', '   '] }), 'keyTakeaways'],
      ['a keyTakeaway that is not text', newArticle({ keyTakeaways: [1] }), 'keyTakeaways'],
      [
        'a keyTakeaway with a control character',
        newArticle({ keyTakeaways: ['ring the \u0007 bell'] }),
        'keyTakeaways',
      ],
      ['over 20 keyTakeaways', newArticle({ keyTakeaways: Array(21).fill('x') }), 'keyTakeaways'],
      ['followUps not an array', newArticle({ followUps: {} }), 'followUps'],
      [
        'a followUp without an answer',
        newArticle({ followUps: [{ question: 'Who?' }] }),
        'followUps.0.answer',
      ],
      [
        'a followUp with an unknown field',
        newArticle({ followUps: [{ question: 'Who?', answer: 'Us.', extra: 1 }] }),
        'extra',
      ],
      ['a body with a control character', newArticle({ body: 'a\u001bb' }), 'body'],
      ['an unknown field', newArticle({ author: 'me' }), 'author'],
      ['a slug with upper case', newArticle({ slug: 'Upper-Case' }), 'slug'],
      ['a slug with spaces', newArticle({ slug: 'two words' }), 'slug'],
      ['a slug with a double hyphen', newArticle({ slug: 'a--b' }), 'slug'],
      ['a slug over 120 characters', newArticle({ slug: 's'.repeat(121) }), 'slug'],
    ])('answers 400 naming the field for %s, and stores nothing', async (_case, body, field) => {
      const before = await countRows(t.database.url, 'articles');

      const res = await post(body).expect(400);

      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(JSON.stringify(res.body.message)).toContain(field);
      expect(await countRows(t.database.url, 'articles')).toBe(before);
    });
  });

  describe('PATCH /api/articles/:id', () => {
    it('updates only the fields given', async () => {
      const article = await create();

      const res = await patch(article.id, { title: 'A better title' }).expect(200);

      expect(res.body).toEqual({ ...article, title: 'A better title' });
      const stored = await request(t.http).get(`/api/articles/${article.id}`).expect(200);
      expect(stored.body).toEqual({ ...article, title: 'A better title' });
    });

    it('updates several fields, including the slug', async () => {
      const article = await create();
      const slug = `new-slug-${tag()}`;

      const res = await patch(article.id, {
        slug,
        category: 'Politics',
        body: 'Rewritten.',
        keyTakeaways: ['Only one now'],
      }).expect(200);

      expect(res.body).toMatchObject({
        id: article.id,
        slug,
        category: 'Politics',
        title: article.title,
        body: 'Rewritten.',
        keyTakeaways: ['Only one now'],
        followUps: article.followUps,
      });
      await request(t.http).get(`/api/articles/${slug}`).expect(200);
      await request(t.http).get(`/api/articles/${article.slug}`).expect(404);
    });

    it('keeps follow-ups named by id, gives new ones new ids and drops the omitted ones', async () => {
      const article = await create();
      const [who, when, why] = article.followUps as [FollowUp, FollowUp, FollowUp];

      const res = await patch(article.id, {
        followUps: [
          { id: why.id, question: 'Why, really?', answer: 'To agree a plan.' },
          { question: 'What next?', answer: 'Another meeting.' },
          { id: who.id, question: who.question, answer: who.answer },
        ],
      }).expect(200);

      const followUps = (res.body as Article).followUps;
      expect(followUps).toEqual([
        { id: why.id, question: 'Why, really?', answer: 'To agree a plan.' },
        { id: expect.stringMatching(UUID), question: 'What next?', answer: 'Another meeting.' },
        who,
      ]);
      expect([who.id, when.id, why.id]).not.toContain(followUps[1]!.id);
      const stored = await request(t.http).get(`/api/articles/${article.id}`).expect(200);
      expect((stored.body as Article).followUps).toEqual(followUps);
      const rows = await query<{ id: string }>(
        t.database.url,
        'SELECT id FROM article_follow_ups WHERE article_id = $1 ORDER BY position',
        [article.id],
      );
      expect(rows.map((row) => row.id)).toEqual(followUps.map((f) => f.id));
      expect(await countRows(t.database.url, 'article_follow_ups', 'id = $1', [when.id])).toBe(0);
    });

    it('removes every follow-up when given an empty list', async () => {
      const article = await create();
      const res = await patch(article.id, { followUps: [] }).expect(200);
      expect((res.body as Article).followUps).toEqual([]);
      expect(
        await countRows(t.database.url, 'article_follow_ups', 'article_id = $1', [article.id]),
      ).toBe(0);
    });

    it('answers 400 for a follow-up id that is not of this article, and changes nothing', async () => {
      const article = await create();
      const other = await create();

      for (const id of [other.followUps[0]!.id, randomUUID()]) {
        const res = await patch(article.id, {
          title: 'Should not stick',
          followUps: [{ id, question: 'Stolen?', answer: 'Yes.' }],
        }).expect(400);
        expect(JSON.stringify(res.body.message)).toContain('followUps');
      }

      const stored = await request(t.http).get(`/api/articles/${article.id}`).expect(200);
      expect(stored.body).toEqual(article);
      const otherStored = await request(t.http).get(`/api/articles/${other.id}`).expect(200);
      expect(otherStored.body).toEqual(other);
    });

    it.each([
      ['a title over 300 characters', { title: 't'.repeat(301) }],
      ['a blank category', { category: ' ' }],
      ['an unknown field', { views: 10 }],
      ['a slug with upper case', { slug: 'Nope' }],
      ['a null title', { title: null }],
      ['null keyTakeaways', { keyTakeaways: null }],
      ['null followUps', { followUps: null }],
    ])('answers 400 for %s, never a 500', async (_case, body) => {
      const article = await create();

      const res = await patch(article.id, body);

      expect(res.status).toBe(400);
      const stored = await request(t.http).get(`/api/articles/${article.id}`).expect(200);
      expect(stored.body).toEqual(article);
    });

    it('answers 409 when the new slug is taken', async () => {
      const first = await create();
      const second = await create();

      await patch(second.id, { slug: first.slug }).expect(409);

      const stored = await request(t.http).get(`/api/articles/${second.id}`).expect(200);
      expect((stored.body as Article).slug).toBe(second.slug);
    });

    it('answers 404 for an unknown id and 400 for a malformed one', async () => {
      await patch(UNKNOWN_ID, { title: 'Nothing' }).expect(404);
      const res = await patch('not-a-uuid', { title: 'Nothing' }).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, message: 'id must be a UUID' });
    });

    it('is for admins only', async () => {
      const article = await create();
      await patch(article.id, { title: 'Hijacked' }, reader).expect(403);
      await patch(article.id, { title: 'Hijacked' }, moderator).expect(403);
      await patch(article.id, { title: 'Hijacked' }, null).expect(401);
      const stored = await request(t.http).get(`/api/articles/${article.id}`).expect(200);
      expect((stored.body as Article).title).toBe(article.title);
    });
  });

  describe('DELETE /api/articles/:id', () => {
    it('deletes an article and its follow-ups: 204, then 404', async () => {
      const article = await create();

      const res = await request(t.http)
        .delete(`/api/articles/${article.id}`)
        .set(...bearer(admin))
        .expect(204);

      expect(res.text).toBe('');
      await request(t.http).get(`/api/articles/${article.id}`).expect(404);
      await request(t.http).get(`/api/articles/${article.slug}`).expect(404);
      expect(
        await countRows(t.database.url, 'article_follow_ups', 'article_id = $1', [article.id]),
      ).toBe(0);
      await request(t.http)
        .delete(`/api/articles/${article.id}`)
        .set(...bearer(admin))
        .expect(404);
    });

    it('answers 404 for an unknown id and 400 for a malformed one', async () => {
      await request(t.http)
        .delete(`/api/articles/${UNKNOWN_ID}`)
        .set(...bearer(admin))
        .expect(404);
      await request(t.http)
        .delete('/api/articles/some-slug')
        .set(...bearer(admin))
        .expect(400);
    });

    it('is for admins only', async () => {
      const article = await create();
      await request(t.http)
        .delete(`/api/articles/${article.id}`)
        .set(...bearer(reader))
        .expect(403);
      await request(t.http)
        .delete(`/api/articles/${article.id}`)
        .set(...bearer(moderator))
        .expect(403);
      await request(t.http).delete(`/api/articles/${article.id}`).expect(401);
      await request(t.http).get(`/api/articles/${article.id}`).expect(200);
    });
  });
});

describe('articles with SEED_DEMO=true', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ SEED_DEMO: 'true' });
  });
  afterAll(() => t.close());

  it('holds the demo article of the seed page', async () => {
    const res = await request(t.http).get(`/api/articles/${DEMO_ARTICLE.slug}`).expect(200);

    const article = res.body as Article;
    expect(article).toMatchObject({
      slug: DEMO_ARTICLE.slug,
      category: 'Important News',
      title: DEMO_ARTICLE.title,
      publishedAt: '2026-01-11T12:00:00.000Z',
      tallies: ZERO_TALLIES,
      commentCount: 0,
    });
    expect(article.keyTakeaways).toHaveLength(6);
    expect(article.keyTakeaways).toEqual(DEMO_ARTICLE.keyTakeaways);
    expect(article.followUps).toHaveLength(6);
    expect(article.followUps.map(({ question, answer }) => ({ question, answer }))).toEqual(
      DEMO_ARTICLE.followUps,
    );
    expect(article.followUps.every((f) => UUID.test(f.id))).toBe(true);

    const list = (await request(t.http).get('/api/articles').expect(200)).body as Page;
    expect(list.items.map((item) => item.slug)).toEqual([DEMO_ARTICLE.slug]);
  });
});
