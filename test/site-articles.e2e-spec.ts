/**
 * Articles by the publisher's own id (API.md "Sites"): the upsert that never makes two
 * articles, reads and deletes by external id, the counts of a front page in one statement, and
 * CORS for every site's origins.
 */
import request from 'supertest';
import {
  bearer,
  countRows,
  loginAdmin,
  postComment,
  registerUser,
  type TestUser,
} from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';

interface Article {
  id: string;
  slug: string;
  title: string;
  category: string;
  body: string;
  url: string | null;
  siteId: string | null;
  externalId: string | null;
  commentsClosed: boolean;
  keyTakeaways: string[];
  followUps: { id: string; question: string; answer: string }[];
  publishedAt: string;
  commentCount: number;
}

const ZERO = { interesting: { up: 0, down: 0 }, support: { up: 0, down: 0 } };

describe('site articles (HTTP)', () => {
  let t: TestApp;
  let admin: TestUser;
  let siteId: string;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: 'https://configured.example' });
    admin = await loginAdmin(t.http);
    const site = await request(t.http)
      .post('/api/sites')
      .set(...bearer(admin))
      .send({ name: 'The Daily Example', origins: ['https://news.example'] })
      .expect(201);
    siteId = (site.body as { id: string }).id;
    const made = await request(t.http)
      .post(`/api/sites/${siteId}/keys`)
      .set(...bearer(admin))
      .send({ name: 'CMS' })
      .expect(201);
    key = (made.body as { key: string }).key;
  });
  afterAll(() => t.close());

  const put = (externalId: string, body: object, auth = `Bearer ${key}`): request.Test =>
    request(t.http)
      .put(`/api/sites/${siteId}/articles/${externalId}`)
      .set('Authorization', auth)
      .send(body);
  const story = { title: 'Ministers meet', category: 'Politics' };

  describe('PUT', () => {
    it('creates (201) an article with every field the publisher sends, and a slug of its own', async () => {
      const created = await put('2026-12.ministers:v1~a_b', {
        ...story,
        url: 'https://news.example/2026/12/ministers',
        body: 'First.',
        keyTakeaways: ['One', 'Two'],
        followUps: [{ question: 'Who?', answer: 'The ministers.' }],
        publishedAt: '2026-12-01T10:00:00.000Z',
      }).expect(201);
      const first = created.body as Article;
      expect(first).toMatchObject({
        siteId,
        externalId: '2026-12.ministers:v1~a_b',
        title: 'Ministers meet',
        category: 'Politics',
        url: 'https://news.example/2026/12/ministers',
        body: 'First.',
        keyTakeaways: ['One', 'Two'],
        followUps: [{ id: expect.any(String), question: 'Who?', answer: 'The ministers.' }],
        publishedAt: '2026-12-01T10:00:00.000Z',
        tallies: ZERO,
        commentCount: 0,
        commentsClosed: false,
      });
      expect(first.slug).toMatch(/^ministers-meet-[0-9a-f]{8}$/);
    });

    it('updates only the fields sent, keeps the slug, and replaces follow-ups when given', async () => {
      const first = (
        await put('story-update', {
          ...story,
          body: 'Body.',
          keyTakeaways: ['K'],
          url: 'https://news.example/a',
        }).expect(201)
      ).body as Article;
      const second = (
        await put('story-update', {
          title: 'Ministers agree',
          category: 'World',
          followUps: [{ question: 'Q', answer: 'A' }],
        }).expect(200)
      ).body as Article;
      expect(second).toMatchObject({
        id: first.id,
        slug: first.slug,
        title: 'Ministers agree',
        category: 'World',
        body: 'Body.',
        keyTakeaways: ['K'],
        url: 'https://news.example/a',
        publishedAt: first.publishedAt,
        followUps: [{ question: 'Q', answer: 'A' }],
      });
      const third = (await put('story-update', { ...story, url: null, followUps: [] }).expect(200))
        .body as Article;
      expect(third).toMatchObject({ url: null, followUps: [] });
    });

    it('makes one article however many PUTs of one external id run at once (one 201, the rest 200)', async () => {
      const externalId = `concurrent-${Date.now()}`;
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => put(externalId, { ...story, title: `Version ${i}` })),
      );
      const statuses = answers.map((res) => res.status).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(19);
      expect(new Set(answers.map((res) => (res.body as Article).id)).size).toBe(1);
      expect(
        await countRows(t.database.url, 'articles', 'site_id = $1 AND external_id = $2', [
          siteId,
          externalId,
        ]),
      ).toBe(1);
    });

    it('is allowed to an admin too, and the same external id of another site is another article', async () => {
      const other = await request(t.http)
        .post('/api/sites')
        .set(...bearer(admin))
        .send({ name: 'Other', origins: [] })
        .expect(201);
      const otherId = (other.body as { id: string }).id;
      const mine = (await put('shared-id', story).expect(201)).body as Article;
      const theirs = await request(t.http)
        .put(`/api/sites/${otherId}/articles/shared-id`)
        .set(...bearer(admin))
        .send(story)
        .expect(201);
      expect((theirs.body as Article).id).not.toBe(mine.id);
    });

    it.each([
      ['an external id with a space', 'bad id', story],
      ['an external id with a slash', 'a%2Fb', story],
      ['an external id of 129 characters', 'x'.repeat(129), story],
      ['no title', 'ok-id', { category: 'News' }],
      ['an empty category', 'ok-id', { ...story, category: ' ' }],
      ['a url that is not http(s)', 'ok-id', { ...story, url: 'javascript:alert(1)' }],
      ['a date that is not ISO-8601', 'ok-id', { ...story, publishedAt: 'yesterday' }],
      ['an unknown field', 'ok-id', { ...story, slug: 'mine' }],
      ['a title with NUL', 'ok-id', { ...story, title: 'a\u0000b' }],
    ])('refuses %s with 400 and stores nothing', async (_what, externalId, body) => {
      const before = await countRows(t.database.url, 'articles');
      const res = await put(externalId, body).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(await countRows(t.database.url, 'articles')).toBe(before);
    });

    it('answers 401 without credentials, 403 to a reader, 404 for an unknown site', async () => {
      const reader = await registerUser(t.http);
      await request(t.http).put(`/api/sites/${siteId}/articles/x`).send(story).expect(401);
      await put('x', story, `Bearer ${reader.accessToken}`).expect(403);
      await request(t.http)
        .put('/api/sites/00000000-0000-4000-8000-000000000000/articles/x')
        .set(...bearer(admin))
        .send(story)
        .expect(404);
    });
  });

  describe('GET and DELETE by external id', () => {
    it('reads the article for anyone, then deletes it (204) with its comments; 404 after', async () => {
      const created = (await put('to-delete', story).expect(201)).body as Article;
      const reader = await registerUser(t.http);
      await postComment(t.http, reader, created.id, 'a comment').expect(201);
      const read = await request(t.http).get(`/api/sites/${siteId}/articles/to-delete`).expect(200);
      expect(read.body).toMatchObject({ id: created.id, commentCount: 1, externalId: 'to-delete' });
      await request(t.http)
        .delete(`/api/sites/${siteId}/articles/to-delete`)
        .set('Authorization', `Bearer ${key}`)
        .expect(204);
      await request(t.http).get(`/api/sites/${siteId}/articles/to-delete`).expect(404);
      await request(t.http)
        .delete(`/api/sites/${siteId}/articles/to-delete`)
        .set('Authorization', `Bearer ${key}`)
        .expect(404);
      expect(await countRows(t.database.url, 'comments', 'article_id = $1', [created.id])).toBe(0);
      await request(t.http).get(`/api/sites/${siteId}/articles/bad%20id`).expect(400);
    });
  });

  describe('GET counts', () => {
    it('answers the counts of the known ids in one statement, cacheable, with an ETag and 304', async () => {
      const a = (await put('count-a', story).expect(201)).body as Article;
      await put('count-b', story).expect(201);
      const reader = await registerUser(t.http);
      await postComment(t.http, reader, a.id, 'one').expect(201);
      await postComment(t.http, reader, a.id, 'two').expect(201);
      await request(t.http)
        .put(`/api/articles/${a.id}/votes/interesting`)
        .set(...bearer(reader))
        .send({ value: 'up' })
        .expect(200);

      const res = await request(t.http)
        .get(`/api/sites/${siteId}/counts?ids=count-a,count-b,unknown-id,count-a`)
        .expect(200);
      expect(res.body).toEqual({
        counts: {
          'count-a': { commentCount: 2, tallies: { ...ZERO, interesting: { up: 1, down: 0 } } },
          'count-b': { commentCount: 0, tallies: ZERO },
        },
      });
      const cache = res.headers['cache-control'] as string;
      expect(cache).toMatch(/^public, max-age=(\d+)$/);
      expect(Number(/max-age=(\d+)/.exec(cache)![1])).toBeLessThanOrEqual(30);
      const etag = res.headers.etag as string;
      expect(etag).toBeTruthy();
      await request(t.http)
        .get(`/api/sites/${siteId}/counts?ids=count-a,count-b,unknown-id,count-a`)
        .set('If-None-Match', etag)
        .expect(304);
      await postComment(t.http, reader, a.id, 'three').expect(201);
      const changed = await request(t.http)
        .get(`/api/sites/${siteId}/counts?ids=count-a,count-b,unknown-id,count-a`)
        .set('If-None-Match', etag)
        .expect(200);
      expect(changed.headers.etag).not.toBe(etag);
    });

    it('takes up to 100 ids; more, malformed or none is a 400; an unknown site a 404', async () => {
      const hundred = Array.from({ length: 100 }, (_, i) => `id-${i}`).join(',');
      await request(t.http).get(`/api/sites/${siteId}/counts?ids=${hundred}`).expect(200);
      await request(t.http).get(`/api/sites/${siteId}/counts?ids=${hundred},id-100`).expect(400);
      await request(t.http).get(`/api/sites/${siteId}/counts?ids=a,,b`).expect(400);
      await request(t.http).get(`/api/sites/${siteId}/counts?ids=a%20b`).expect(400);
      await request(t.http).get(`/api/sites/${siteId}/counts`).expect(400);
      await request(t.http).get(`/api/sites/${siteId}/counts?ids=a&other=1`).expect(400);
      await request(t.http)
        .get('/api/sites/00000000-0000-4000-8000-000000000000/counts?ids=a')
        .expect(404);
      await request(t.http).get('/api/sites/nope/counts?ids=a').expect(400);
    });
  });

  describe('CORS', () => {
    it("echoes a site's origin and CORS_ORIGINS (with Vary: Origin), and no other", async () => {
      for (const origin of ['https://news.example', 'https://configured.example']) {
        const res = await request(t.http)
          .get(`/api/sites/${siteId}/counts?ids=a`)
          .set('Origin', origin)
          .expect(200);
        expect(res.headers['access-control-allow-origin']).toBe(origin);
        expect(res.headers.vary).toMatch(/Origin/);
      }
      const other = await request(t.http)
        .get(`/api/sites/${siteId}/counts?ids=a`)
        .set('Origin', 'https://evil.example')
        .expect(200);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('follows a change of the site within moments, without a restart', async () => {
      const origin = 'https://later.example';
      const before = await request(t.http).get('/api/articles').set('Origin', origin);
      expect(before.headers['access-control-allow-origin']).toBeUndefined();
      await request(t.http)
        .patch(`/api/sites/${siteId}`)
        .set(...bearer(admin))
        .send({ origins: ['https://news.example', origin] })
        .expect(200);
      let allowed: string | undefined;
      for (let waited = 0; waited < 5_000 && !allowed; waited += 50) {
        allowed = (await request(t.http).get('/api/articles').set('Origin', origin)).headers[
          'access-control-allow-origin'
        ] as string | undefined;
        if (!allowed) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(allowed).toBe(origin);
    });
  });
});
