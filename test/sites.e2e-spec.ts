/**
 * Sites (API.md "Sites"): admin REST, the SSO secret shown once and rotated, API keys (shown
 * once, stored hashed, scoped to their site and to its article routes, revoked at once).
 */
import request from 'supertest';
import {
  bearer,
  countRows,
  loginAdmin,
  registerUser,
  type TestUser,
  userWithRole,
} from './support/factories';
import { query } from './support/test-database';
import { startTestApp, type TestApp } from './support/test-app';

interface Site {
  id: string;
  name: string;
  origins: string[];
  autoCreateArticles: boolean;
  ssoJwksUrl: string | null;
  moderation: unknown;
  createdAt: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SETTINGS = {
  mode: 'pre',
  bannedWords: ['spam'],
  suspectWords: ['maybe'],
  editWindowSeconds: 600,
  holdLinks: true,
};

describe('sites (HTTP)', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t.http);
  });
  afterAll(() => t.close());

  const createSite = (body: unknown, user: TestUser = admin): request.Test =>
    request(t.http)
      .post('/api/sites')
      .set(...bearer(user))
      .send(body as object);

  async function site(body: Record<string, unknown> = {}): Promise<Site & { ssoSecret: string }> {
    const res = await createSite({
      name: 'The Daily Example',
      origins: ['https://news.example'],
      ...body,
    }).expect(201);
    return res.body as Site & { ssoSecret: string };
  }

  async function key(siteId: string, name = 'CMS'): Promise<{ id: string; key: string }> {
    const res = await request(t.http)
      .post(`/api/sites/${siteId}/keys`)
      .set(...bearer(admin))
      .send({ name })
      .expect(201);
    return res.body as { id: string; key: string };
  }

  const put = (siteId: string, externalId: string, auth: string, body: object = {}): request.Test =>
    request(t.http)
      .put(`/api/sites/${siteId}/articles/${externalId}`)
      .set('Authorization', auth)
      .send({ title: 'A story', category: 'News', ...body });

  describe('create, read, update', () => {
    it('creates a site and shows its SSO secret only in that answer', async () => {
      const res = await createSite({
        name: '  The Daily Example ',
        origins: ['https://news.example', 'http://localhost:8080', 'https://news.example'],
        autoCreateArticles: true,
        moderation: SETTINGS,
      }).expect(201);
      const created = res.body as Site & { ssoSecret: string };
      expect(created).toEqual({
        id: expect.stringMatching(UUID),
        name: 'The Daily Example',
        origins: ['https://news.example', 'http://localhost:8080'],
        autoCreateArticles: true,
        ssoJwksUrl: null,
        moderation: SETTINGS,
        createdAt: expect.stringMatching(ISO),
        ssoSecret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      });
      const read = await request(t.http)
        .get(`/api/sites/${created.id}`)
        .set(...bearer(admin))
        .expect(200);
      const rest: Partial<typeof created> = { ...created };
      delete rest.ssoSecret;
      expect(read.body).toEqual(rest);
      const list = await request(t.http)
        .get('/api/sites?limit=100')
        .set(...bearer(admin))
        .expect(200);
      expect((list.body as { items: Site[] }).items).toContainEqual(rest);
      expect(JSON.stringify(list.body)).not.toContain(created.ssoSecret);
    });

    it('pages the list newest first with an opaque cursor', async () => {
      const made = [await site(), await site(), await site()];
      const first = await request(t.http)
        .get('/api/sites?limit=2')
        .set(...bearer(admin))
        .expect(200);
      const page = first.body as { items: Site[]; nextCursor: string };
      expect(page.items.map((s) => s.id)).toEqual([made[2]!.id, made[1]!.id]);
      const second = await request(t.http)
        .get(`/api/sites?limit=2&cursor=${page.nextCursor}`)
        .set(...bearer(admin))
        .expect(200);
      expect((second.body as { items: Site[] }).items[0]!.id).toBe(made[0]!.id);
    });

    it('updates any field, keeps the others, and clears the moderation settings with null', async () => {
      const created = await site({ moderation: SETTINGS });
      const res = await request(t.http)
        .patch(`/api/sites/${created.id}`)
        .set(...bearer(admin))
        .send({ origins: ['https://www.news.example'], autoCreateArticles: true })
        .expect(200);
      expect(res.body).toMatchObject({
        name: 'The Daily Example',
        origins: ['https://www.news.example'],
        autoCreateArticles: true,
        moderation: SETTINGS,
      });
      const cleared = await request(t.http)
        .patch(`/api/sites/${created.id}`)
        .set(...bearer(admin))
        .send({ moderation: null })
        .expect(200);
      expect((cleared.body as Site).moderation).toBeNull();
    });

    it('answers 404 for an unknown site and 400 for a malformed id', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      await request(t.http)
        .get(`/api/sites/${unknown}`)
        .set(...bearer(admin))
        .expect(404);
      await request(t.http)
        .patch(`/api/sites/${unknown}`)
        .set(...bearer(admin))
        .send({ name: 'x' })
        .expect(404);
      await request(t.http)
        .get('/api/sites/not-a-uuid')
        .set(...bearer(admin))
        .expect(400);
    });

    it('is for admins only: 401 anonymous, 403 reader and moderator', async () => {
      const reader = await registerUser(t.http);
      const moderator = await userWithRole(t.http, admin, 'moderator');
      await request(t.http).get('/api/sites').expect(401);
      await request(t.http).post('/api/sites').send({ name: 'x', origins: [] }).expect(401);
      await createSite({ name: 'x', origins: [] }, reader).expect(403);
      await createSite({ name: 'x', origins: [] }, moderator).expect(403);
      await request(t.http)
        .get('/api/sites')
        .set(...bearer(moderator))
        .expect(403);
    });
  });

  describe('validation: a clear 400, nothing stored', () => {
    it.each([
      ['an origin with a path', { origins: ['https://news.example/path'] }, 'origins'],
      ['an origin with a trailing slash', { origins: ['https://news.example/'] }, 'origins'],
      ['an origin without scheme', { origins: ['news.example'] }, 'origins'],
      ['an ftp origin', { origins: ['ftp://news.example'] }, 'origins'],
      ['a wildcard origin', { origins: ['*'] }, 'origins'],
      ['origins that are not an array', { origins: 'https://news.example' }, 'origins'],
      [
        '51 origins',
        { origins: Array.from({ length: 51 }, (_, i) => `https://n${i}.example`) },
        'origins',
      ],
      ['an empty name', { name: '   ' }, 'name'],
      ['a name with a control character', { name: 'bad\u0007name' }, 'name'],
      ['a name over 100 characters', { name: 'x'.repeat(101) }, 'name'],
      ['autoCreateArticles as a string', { autoCreateArticles: 'yes' }, 'autoCreateArticles'],
      ['an http JWKS URL', { ssoJwksUrl: 'http://keys.example/jwks.json' }, 'ssoJwksUrl'],
      [
        'a JWKS URL on a private address',
        { ssoJwksUrl: 'https://10.0.0.1/jwks.json' },
        'ssoJwksUrl',
      ],
      ['an unknown moderation mode', { moderation: { ...SETTINGS, mode: 'later' } }, 'mode'],
      [
        'an edit window over a day',
        { moderation: { ...SETTINGS, editWindowSeconds: 86_401 } },
        'editWindowSeconds',
      ],
      [
        'a negative edit window',
        { moderation: { ...SETTINGS, editWindowSeconds: -1 } },
        'editWindowSeconds',
      ],
      [
        'a banned word with a control character',
        { moderation: { ...SETTINGS, bannedWords: ['a\u0000b'] } },
        'bannedWords',
      ],
      [
        '10,001 banned words',
        {
          moderation: {
            ...SETTINGS,
            bannedWords: Array.from({ length: 10_001 }, (_, i) => `w${i}`),
          },
        },
        'bannedWords',
      ],
      ['a moderation setting missing', { moderation: { mode: 'post' } }, 'bannedWords'],
      [
        'an unknown moderation field',
        { moderation: { ...SETTINGS, shadowBan: true } },
        'shadowBan',
      ],
      ['an unknown field', { theme: 'dark' }, 'theme'],
    ])('refuses %s', async (_what, patch, field) => {
      const before = await countRows(t.database.url, 'sites');
      const res = await createSite({
        name: 'Site',
        origins: ['https://news.example'],
        ...patch,
      }).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(JSON.stringify((res.body as { message: unknown }).message)).toContain(field);
      expect(await countRows(t.database.url, 'sites')).toBe(before);
    });

    it('takes a 10,000-word list over 64 KiB (settings bodies may be 1 MiB), and refuses more than 1 MiB with 413', async () => {
      const words = Array.from({ length: 10_000 }, (_, i) => `banned-word-${i}`);
      const res = await createSite({
        name: 'Big list',
        origins: [],
        moderation: { ...SETTINGS, bannedWords: words },
      }).expect(201);
      expect(
        (res.body as { moderation: { bannedWords: string[] } }).moderation.bannedWords,
      ).toHaveLength(10_000);
      const huge = await createSite({ name: 'x'.repeat(1024 * 1024 + 10), origins: [] }).expect(
        413,
      );
      expect(huge.body).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        message: 'Body exceeds 1024 KiB',
      });
    });

    it('refuses the same on PATCH and changes nothing', async () => {
      const created = await site();
      await request(t.http)
        .patch(`/api/sites/${created.id}`)
        .set(...bearer(admin))
        .send({ origins: ['https://news.example/'] })
        .expect(400);
      const read = await request(t.http)
        .get(`/api/sites/${created.id}`)
        .set(...bearer(admin))
        .expect(200);
      expect((read.body as Site).origins).toEqual(['https://news.example']);
    });
  });

  describe('SSO secret', () => {
    it('rotates: a new secret is shown once (201) and stored, the old one replaced', async () => {
      const created = await site();
      const res = await request(t.http)
        .post(`/api/sites/${created.id}/sso-secret`)
        .set(...bearer(admin))
        .expect(201);
      const { ssoSecret } = res.body as { ssoSecret: string };
      expect(ssoSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(ssoSecret).not.toBe(created.ssoSecret);
      const [row] = await query<{ sso_secret: string }>(
        t.database.url,
        'SELECT sso_secret FROM sites WHERE id = $1',
        [created.id],
      );
      expect(row!.sso_secret).toBe(ssoSecret);
      await request(t.http)
        .post('/api/sites/00000000-0000-4000-8000-000000000000/sso-secret')
        .set(...bearer(admin))
        .expect(404);
    });
  });

  describe('API keys', () => {
    it('shows a thk_ key once, keeps only its hash, and lists keys without it', async () => {
      const created = await site();
      const res = await request(t.http)
        .post(`/api/sites/${created.id}/keys`)
        .set(...bearer(admin))
        .send({ name: 'CMS' })
        .expect(201);
      const made = res.body as { id: string; name: string; key: string; createdAt: string };
      expect(made).toEqual({
        id: expect.stringMatching(UUID),
        name: 'CMS',
        key: expect.stringMatching(/^thk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/),
        createdAt: expect.stringMatching(ISO),
      });
      const rows = await query<Record<string, unknown>>(
        t.database.url,
        'SELECT * FROM site_api_keys WHERE id = $1',
        [made.id],
      );
      expect(JSON.stringify(rows)).not.toContain(made.key.slice(-43));
      const list = await request(t.http)
        .get(`/api/sites/${created.id}/keys`)
        .set(...bearer(admin))
        .expect(200);
      expect(list.body).toEqual({
        items: [{ id: made.id, name: 'CMS', createdAt: made.createdAt, lastUsedAt: null }],
        nextCursor: null,
      });
    });

    it('acts for its own site on the article routes, and records lastUsedAt', async () => {
      const created = await site();
      const { id, key: secret } = await key(created.id);
      const res = await put(created.id, 'story-1', `Bearer ${secret}`).expect(201);
      expect(res.body).toMatchObject({ siteId: created.id, externalId: 'story-1' });
      await put(created.id, 'story-1', `Bearer ${secret}`, { title: 'A better story' }).expect(200);
      await request(t.http)
        .delete(`/api/sites/${created.id}/articles/story-1`)
        .set('Authorization', `Bearer ${secret}`)
        .expect(204);
      const list = await request(t.http)
        .get(`/api/sites/${created.id}/keys`)
        .set(...bearer(admin))
        .expect(200);
      const [listed] = (list.body as { items: { id: string; lastUsedAt: string | null }[] }).items;
      expect(listed).toEqual(
        expect.objectContaining({ id, lastUsedAt: expect.stringMatching(ISO) }),
      );
    });

    it("refuses another site's articles (403), every other route that needs a login (403), and answers public routes as anyone", async () => {
      const mine = await site();
      const other = await site();
      const { key: secret } = await key(mine.id);
      const auth = `Bearer ${secret}`;
      await put(other.id, 'story', auth).expect(403);
      await request(t.http)
        .delete(`/api/sites/${other.id}/articles/story`)
        .set('Authorization', auth)
        .expect(403);
      await request(t.http).get('/api/auth/me').set('Authorization', auth).expect(403);
      await request(t.http).get('/api/sites').set('Authorization', auth).expect(403);
      await request(t.http)
        .post(`/api/sites/${mine.id}/keys`)
        .set('Authorization', auth)
        .send({ name: 'x' })
        .expect(403);
      await request(t.http).post('/api/articles').set('Authorization', auth).send({}).expect(403);
      // public: as anyone (no myVotes, no error)
      await put(mine.id, 'public-story', auth).expect(201);
      const read = await request(t.http)
        .get(`/api/sites/${mine.id}/articles/public-story`)
        .set('Authorization', auth)
        .expect(200);
      expect(read.body).not.toHaveProperty('myVotes');
      await request(t.http).get('/api/articles').set('Authorization', auth).expect(200);
      expect(await countRows(t.database.url, 'articles', 'site_id = $1', [other.id])).toBe(0);
    });

    it('stops working at once when revoked (401), and an unknown or mangled key is a 401', async () => {
      const created = await site();
      const { id, key: secret } = await key(created.id);
      await put(created.id, 'before', `Bearer ${secret}`).expect(201);
      await request(t.http)
        .delete(`/api/sites/${created.id}/keys/${id}`)
        .set(...bearer(admin))
        .expect(204);
      await put(created.id, 'after', `Bearer ${secret}`).expect(401);
      await request(t.http)
        .delete(`/api/sites/${created.id}/keys/${id}`)
        .set(...bearer(admin))
        .expect(404);
      const list = await request(t.http)
        .get(`/api/sites/${created.id}/keys`)
        .set(...bearer(admin))
        .expect(200);
      expect((list.body as { items: unknown[] }).items).toEqual([]);
      const tampered = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
      const { key: live } = await key(created.id);
      for (const bad of [
        tampered,
        'thk_',
        'thk_nonsense',
        `thk_${'0'.repeat(32)}_${'A'.repeat(43)}`,
        `${live}x`,
      ]) {
        await put(created.id, 'bad', `Bearer ${bad}`).expect(401);
      }
      expect(
        await countRows(t.database.url, 'articles', 'site_id = $1 AND external_id = $2', [
          created.id,
          'after',
        ]),
      ).toBe(0);
    });

    it('refuses malformed key requests with 400 and unknown sites with 404', async () => {
      const created = await site();
      for (const body of [{}, { name: '' }, { name: 'x'.repeat(101) }, { name: 'ok', extra: 1 }]) {
        await request(t.http)
          .post(`/api/sites/${created.id}/keys`)
          .set(...bearer(admin))
          .send(body)
          .expect(400);
      }
      const unknown = '00000000-0000-4000-8000-000000000000';
      await request(t.http)
        .post(`/api/sites/${unknown}/keys`)
        .set(...bearer(admin))
        .send({ name: 'x' })
        .expect(404);
      await request(t.http)
        .get(`/api/sites/${unknown}/keys`)
        .set(...bearer(admin))
        .expect(404);
      await request(t.http)
        .delete(`/api/sites/${created.id}/keys/not-a-uuid`)
        .set(...bearer(admin))
        .expect(400);
    });
  });
});
