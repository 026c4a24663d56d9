import { randomBytes } from 'node:crypto';
import request from 'supertest';
import {
  bearer,
  loginAdmin,
  postComment,
  registerUser,
  type TestUser,
  userWithRole,
} from './support/factories';
import { connect } from './support/socket-clients';
import { killAllServers, type ServerProcess, startServer } from './support/server-process';
import { startTestApp, type TestApp } from './support/test-app';
import { createTestDatabase, query, type TestDatabase } from './support/test-database';

const SCRIPT_XSS = '<script>alert(1)</script><style>body{display:none}</style>';
const ATTRIBUTE_XSS = '" onmouseover="alert(1)" style="x';

/** The Content-Security-Policy header as directive → sources. */
function csp(res: request.Response): Map<string, string[]> {
  const header = res.headers['content-security-policy'];
  expect(typeof header).toBe('string');
  return new Map(
    (header as string)
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0] !== '')
      .map(([name, ...sources]) => [name!, sources]),
  );
}

/** Every start tag of an HTML document with its attributes (user text is escaped, so `<` starts a tag). */
function tagsOf(html: string): { name: string; attributes: Map<string, string> }[] {
  const tags: { name: string; attributes: Map<string, string> }[] = [];
  for (const [, name, rest] of html.matchAll(/<([a-zA-Z][\w-]*)((?:\s[^>]*)?)>/g)) {
    const attributes = new Map<string, string>();
    for (const [, key, , double, single, bare] of (rest ?? '').matchAll(
      /([^\s=/]+)(\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g,
    )) {
      attributes.set(key!.toLowerCase(), double ?? single ?? bare ?? '');
    }
    tags.push({ name: name!.toLowerCase(), attributes });
  }
  return tags;
}

/** The bodies of every <script> element (empty for `<script src>`). */
function scriptBodies(html: string): string[] {
  return [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script\s*>/gi)].map(([, body]) =>
    body!.trim(),
  );
}

function expectHelmetHeaders(res: request.Response): void {
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
  expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
  expect(res.headers['x-powered-by']).toBeUndefined();
}

describe('security headers and output', () => {
  let t: TestApp;
  let admin: TestUser;
  let slug: string;
  let articleId: string;

  beforeAll(async () => {
    t = await startTestApp({ SEED_DEMO: 'true' });
    admin = await loginAdmin(t.http);
    const list = await request(t.http).get('/api/articles').expect(200);
    ({ slug, id: articleId } = (list.body as { items: { id: string; slug: string }[] }).items[0]!);
    const author = await registerUser(t.http);
    await postComment(t.http, author, articleId, SCRIPT_XSS).expect(201);
    await postComment(t.http, author, articleId, ATTRIBUTE_XSS).expect(201);
  });
  afterAll(() => t.close());

  describe('Content-Security-Policy', () => {
    it('is strict on pages, assets, the API and errors: scripts, styles and sockets from this origin only', async () => {
      const page = await request(t.http).get(`/articles/${slug}`).expect(200);
      const script = /<script src="(\/assets\/[\w-]+\.js)"/.exec(page.text)![1]!;
      const answers = [
        await request(t.http).get('/'),
        page,
        await request(t.http).get('/articles/no-such-article').expect(404),
        await request(t.http).get(script).expect(200),
        await request(t.http).get('/api/articles').expect(200),
        await request(t.http).get('/api/nope').expect(404),
        await request(t.http).post('/api/auth/login').send({}).expect(400),
      ];
      for (const res of answers) {
        const policy = csp(res);
        expect(Object.fromEntries(policy)).toMatchObject({
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'script-src-attr': ["'none'"],
          'style-src': ["'self'"],
          'connect-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
          'font-src': ["'self'"],
          'object-src': ["'none'"],
          'base-uri': ["'self'"],
          'form-action': ["'self'"],
          'frame-ancestors': ["'self'"],
        });
        expect(res.headers['content-security-policy']).not.toMatch(/unsafe|https:|\*/);
        // NODE_ENV=test serves plain http: no upgrade, or every asset would break
        expect(policy.has('upgrade-insecure-requests')).toBe(false);
        expectHelmetHeaders(res);
      }
    });

    it('upgrades insecure requests in production', async () => {
      const production = await startTestApp({ NODE_ENV: 'production' });
      try {
        const res = await request(production.http).get('/').expect(200);
        expect(csp(res).get('upgrade-insecure-requests')).toEqual([]);
        expect(csp(res).get('script-src')).toEqual(["'self'"]);
      } finally {
        await production.close();
      }
    });

    it('reader pages carry no inline script, style or event handler the policy would block', async () => {
      const pages = [
        await request(t.http).get('/').expect(200),
        await request(t.http).get(`/articles/${slug}`).expect(200),
        await request(t.http).get('/articles/no-such-article').expect(404),
      ];
      for (const page of pages) {
        const tags = tagsOf(page.text);
        expect(tags.filter((tag) => tag.name === 'html')).toHaveLength(1);
        for (const tag of tags) {
          const attributes = [...tag.attributes.keys()];
          expect({ tag: tag.name, handlers: attributes.filter((a) => a.startsWith('on')) }).toEqual(
            { tag: tag.name, handlers: [] },
          );
          expect({ tag: tag.name, style: tag.attributes.has('style') }).toEqual({
            tag: tag.name,
            style: false,
          });
          for (const url of [tag.attributes.get('href'), tag.attributes.get('src')]) {
            if (url !== undefined) expect(url).not.toMatch(/^\s*(javascript|data):/i);
          }
        }
        expect(tags.filter((tag) => tag.name === 'style')).toEqual([]);
        for (const script of tags.filter((tag) => tag.name === 'script')) {
          expect(script.attributes.get('src')).toMatch(/^\/assets\/[\w-]+\.js$/);
        }
        expect(scriptBodies(page.text).filter((body) => body !== '')).toEqual([]);
        for (const link of tags.filter((tag) => tag.attributes.get('rel') === 'stylesheet')) {
          expect(link.attributes.get('href')).toMatch(/^\/assets\/[\w-]+\.css$/);
        }
      }
      // the article page has its script; user text that looks like markup stays text
      const article = pages[1]!;
      expect(tagsOf(article.text).filter((tag) => tag.name === 'script')).toHaveLength(1);
      expect(article.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(article.text).toContain('&quot; onmouseover=&quot;alert(1)&quot;');
    });

    it('lets /api/docs render: inline styles there only, scripts still files of this origin', async () => {
      const docs = await request(t.http).get('/api/docs').expect(200);
      expect(docs.headers['content-type']).toMatch(/^text\/html/);
      const policy = csp(docs);
      expect(policy.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
      expect(policy.get('script-src')).toEqual(["'self'"]);
      expectHelmetHeaders(docs);
      expect(scriptBodies(docs.text).filter((body) => body !== '')).toEqual([]);
      const sources = tagsOf(docs.text)
        .filter((tag) => tag.name === 'script')
        .map((tag) => tag.attributes.get('src'));
      expect(sources.length).toBeGreaterThan(0);
      for (const src of sources) {
        expect(src).toMatch(/^\.\/(docs\/)?[\w.-]+\.js$/);
        const file = await request(t.http).get(new URL(src!, 'http://x/api/docs').pathname);
        expect({ src, status: file.status }).toEqual({ src, status: 200 });
        expect(file.headers['content-type']).toMatch(/javascript/);
      }
      // the relaxed style rule is for the docs UI only
      expect(csp(await request(t.http).get('/api/docs-json').expect(200)).get('style-src')).toEqual(
        ["'self'"],
      );
      expect(csp(await request(t.http).get('/api/documents')).get('style-src')).toEqual(["'self'"]);
    });
  });

  describe('error answers', () => {
    const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
    /** SQL, stack frames, file paths and hashes: internals that must never reach a client. */
    const INTERNALS = [
      /\bselect\b[\s\S]*\bfrom\b/i,
      /\binsert into\b/i,
      /\bupdate\b[\s\S]*\bset\b/i,
      /\bdelete from\b/i,
      /\brelation\b/i,
      /\bconstraint\b/i,
      /\bviolates\b/i,
      /\bduplicate key\b/i,
      /\bsyntax error\b/i,
      /\bcolumn\b/i,
      /postgres|mikro-?orm|knex|sqlstate/i,
      /\n\s+at /,
      /\bat \S+ \(/,
      /node_modules|\/work\/|\.(ts|js):\d+/,
      /scrypt\$/,
    ];

    function expectBareError(res: request.Response, status: number, secrets: string[]): void {
      expect({ status: res.status, body: res.body as unknown }).toEqual({
        status,
        body: { statusCode: status, error: expect.any(String), message: expect.anything() },
      });
      expect(Object.keys(res.body as object).sort()).toEqual(['error', 'message', 'statusCode']);
      for (const pattern of INTERNALS) {
        expect({ status, leak: pattern.test(res.text) ? pattern.source : null }).toEqual({
          status,
          leak: null,
        });
      }
      for (const secret of secrets) expect(res.text).not.toContain(secret);
    }

    it('answers 400, 401, 403, 404, 409 and 413 with {statusCode, error, message} only, naming no other user', async () => {
      const [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
      const moderator = await userWithRole(t.http, admin, 'moderator');
      const otherModerator = await userWithRole(t.http, admin, 'moderator');
      const aliceComment = (
        (await postComment(t.http, alice, articleId, 'by alice').expect(201)).body as { id: string }
      ).id;
      await request(t.http)
        .post(`/api/comments/${aliceComment}/reports`)
        .set(...bearer(bob))
        .send({ reason: 'spam' })
        .expect(201);
      // what bob must never learn from an error: alice's and the staff's ids, anyone's secrets
      const secrets = [
        alice.id,
        moderator.id,
        admin.id,
        alice.password,
        alice.accessToken,
        alice.refreshToken,
      ];

      const cases: [number, request.Test][] = [
        [400, request(t.http).get('/api/articles/not-a-uuid/comments')],
        [
          400,
          request(t.http)
            .put('/api/articles/not-a-uuid/votes/interesting')
            .set(...bearer(bob))
            .send({ value: 'up' }),
        ],
        [
          400,
          request(t.http)
            .put(`/api/articles/${articleId}/votes/likes`)
            .set(...bearer(bob))
            .send({ value: 'up' }),
        ],
        [
          400,
          request(t.http)
            .post('/api/auth/login')
            .set('Content-Type', 'application/json')
            .send('{"username": "bob", '),
        ],
        [
          400,
          request(t.http)
            .post(`/api/articles/${articleId}/comments`)
            .set(...bearer(bob))
            .send({ body: 'x', parentId: UNKNOWN_ID }),
        ],
        [
          400,
          request(t.http)
            .post('/api/auth/register')
            .send({ username: bob.username, password: 'password-123', role: 'admin' }),
        ],
        [401, request(t.http).get('/api/auth/me')],
        [
          401,
          request(t.http)
            .get('/api/auth/me')
            .set('Authorization', `Bearer ${alice.accessToken.slice(0, -2)}xx`),
        ],
        [
          401,
          request(t.http)
            .post('/api/auth/login')
            .send({ username: alice.username, password: 'wrong-password' }),
        ],
        [
          401,
          request(t.http)
            .post('/api/auth/refresh')
            .send({
              refreshToken: `${alice.refreshToken.split('.')[0]}.${randomBytes(32).toString('base64url')}`,
            }),
        ],
        [401, request(t.http).get(`/api/articles/${articleId}/comments?include=removed`)],
        [
          403,
          request(t.http)
            .patch(`/api/comments/${aliceComment}`)
            .set(...bearer(bob))
            .send({ body: 'edited by bob' }),
        ],
        [
          403,
          request(t.http)
            .delete(`/api/comments/${aliceComment}`)
            .set(...bearer(bob)),
        ],
        [
          403,
          request(t.http)
            .patch(`/api/users/${alice.id}`)
            .set(...bearer(bob))
            .send({ role: 'admin' }),
        ],
        [
          403,
          request(t.http)
            .post(`/api/users/${otherModerator.id}/ban`)
            .set(...bearer(moderator))
            .send({ reason: 'rivalry' }),
        ],
        [
          403,
          request(t.http)
            .get('/api/moderation/queue')
            .set(...bearer(bob)),
        ],
        [
          403,
          request(t.http)
            .post('/api/articles')
            .set(...bearer(bob))
            .send({ category: 'x', title: 'x', keyTakeaways: [], followUps: [] }),
        ],
        [404, request(t.http).get('/api/nope')],
        [404, request(t.http).get(`/api/articles/${UNKNOWN_ID}`)],
        [
          404,
          request(t.http)
            .patch(`/api/comments/${UNKNOWN_ID}`)
            .set(...bearer(bob))
            .send({ body: 'x' }),
        ],
        [
          404,
          request(t.http)
            .post(`/api/users/${UNKNOWN_ID}/ban`)
            .set(...bearer(admin))
            .send({ reason: 'x' }),
        ],
        [
          409,
          request(t.http)
            .post('/api/auth/register')
            .send({ username: alice.username.toUpperCase(), password: 'password-123' }),
        ],
        [
          409,
          request(t.http)
            .post(`/api/comments/${aliceComment}/reports`)
            .set(...bearer(bob))
            .send({ reason: 'again' }),
        ],
        [
          413,
          request(t.http)
            .post(`/api/articles/${articleId}/comments`)
            .set(...bearer(bob))
            .send({ body: 'x'.repeat(70_000) }),
        ],
      ];
      for (const [status, test] of cases) expectBareError(await test, status, secrets);
    });

    it('answers a failing SQL statement with a bare 500 that names nothing of the database', async () => {
      const [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
      const commentId = (
        (await postComment(t.http, alice, articleId, 'reported while broken').expect(201)).body as {
          id: string;
        }
      ).id;
      await query(t.database.url, 'ALTER TABLE comment_reports RENAME TO comment_reports_away');
      try {
        const res = await request(t.http)
          .post(`/api/comments/${commentId}/reports`)
          .set(...bearer(bob))
          .send({ reason: 'spam' });
        expectBareError(res, 500, [alice.id, 'comment_reports']);
        expect(res.body).toEqual({
          statusCode: 500,
          error: 'Internal Server Error',
          message: 'Internal server error',
        });
      } finally {
        await query(t.database.url, 'ALTER TABLE comment_reports_away RENAME TO comment_reports');
      }
    });
  });
});

describe('logs', () => {
  const JWT_SECRET = `log-test-secret-${randomBytes(16).toString('hex')}`;
  const ADMIN_PASSWORD = `admin-pw-${randomBytes(6).toString('hex')}`;
  let database: TestDatabase;
  let server: ServerProcess;

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startServer({
      DATABASE_URL: database.url,
      JWT_SECRET,
      ADMIN_USERNAME: 'log_admin',
      ADMIN_PASSWORD,
      LOG_LEVEL: 'trace',
      RATE_LIMITS: 'off',
    });
  }, 60_000);
  afterAll(async () => {
    await killAllServers();
    await database?.drop();
  });

  it('never contain a password, a password hash, a token or the JWT secret, whatever happens', async () => {
    const http = server.url;
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const wrongPassword = `wrong-${randomBytes(8).toString('hex')}`;
    const username = `logs_${randomBytes(4).toString('hex')}`;

    const registered = await request(http)
      .post('/api/auth/register')
      .send({ username, password })
      .expect(201);
    const session = registered.body as {
      accessToken: string;
      refreshToken: string;
      user: { id: string };
    };
    const loggedIn = (
      await request(http).post('/api/auth/login').send({ username, password }).expect(200)
    ).body as { accessToken: string; refreshToken: string };
    const admin = (
      await request(http)
        .post('/api/auth/login')
        .send({ username: 'log_admin', password: ADMIN_PASSWORD })
        .expect(200)
    ).body as { accessToken: string; refreshToken: string };
    await request(http)
      .post('/api/auth/login')
      .send({ username, password: wrongPassword })
      .expect(401);
    await request(http)
      .post('/api/auth/login')
      .send({ username: 'nobody_here', password: wrongPassword })
      .expect(401);
    // a body the validator refuses, carrying the password in a field and as a key
    await request(http)
      .post('/api/auth/register')
      .send({ username: 'x', password, [password]: password })
      .expect(400);
    const refreshed = (
      await request(http)
        .post('/api/auth/refresh')
        .send({ refreshToken: session.refreshToken })
        .expect(200)
    ).body as { accessToken: string; refreshToken: string };
    // a replay (reuse detection), a logout, a request with a tampered token
    await request(http)
      .post('/api/auth/refresh')
      .send({ refreshToken: session.refreshToken })
      .expect(401);
    await request(http)
      .post('/api/auth/logout')
      .send({ refreshToken: loggedIn.refreshToken })
      .expect(204);
    await request(http)
      .get('/api/auth/me')
      .set('Authorization', `Bearer ${refreshed.accessToken}`)
      .expect(200);
    const tampered = `${session.accessToken.slice(0, -4)}AAAA`;
    await request(http).get('/api/auth/me').set('Authorization', `Bearer ${tampered}`).expect(401);
    await request(http)
      .get('/api/auth/me')
      .set('Cookie', `session=${admin.refreshToken}`)
      .expect(401);
    // sockets: a good token on both transports, a bad one
    for (const transports of [['websocket'], ['polling']] as const) {
      const socket = await connect(http, refreshed.accessToken, { transports: [...transports] });
      socket.close();
    }
    await expect(connect(http, tampered)).rejects.toThrow(/^unauthorized$/);
    // two 500s from failing SQL: while storing a refresh token, and while storing a new user
    await query(database.url, 'ALTER TABLE refresh_tokens RENAME TO refresh_tokens_away');
    try {
      await request(http).post('/api/auth/login').send({ username, password }).expect(500);
    } finally {
      await query(database.url, 'ALTER TABLE refresh_tokens_away RENAME TO refresh_tokens');
    }
    await query(
      database.url,
      `ALTER TABLE users ADD CONSTRAINT no_logs_user CHECK (username <> 'logs_boom')`,
    );
    const boomPassword = `boom-${randomBytes(8).toString('hex')}`;
    await request(http)
      .post('/api/auth/register')
      .send({ username: 'logs_boom', password: boomPassword })
      .expect(500);

    expect(await server.stop()).toBe(0);
    const logs = server.output();
    // the logs are there: requests with their status, and both 500s with their cause
    expect(logs).toContain('"url":"/api/auth/login"');
    expect(logs).toContain('"statusCode":401');
    expect(logs).toMatch(/refresh_tokens/);
    expect(logs).toMatch(/no_logs_user/);
    expect(logs).toContain('[redacted]');

    const hashes = await query<{ password_hash: string }>(
      database.url,
      'SELECT password_hash FROM users',
    );
    const secrets: [string, string][] = [
      ['password', password],
      ['wrong password', wrongPassword],
      ['admin password', ADMIN_PASSWORD],
      ['password of the failed registration', boomPassword],
      ['JWT secret', JWT_SECRET],
      ...hashes.map((row): [string, string] => [
        'password hash',
        row.password_hash.split('$').slice(-2).join('$'),
      ]),
      ...[session, loggedIn, admin, refreshed].flatMap((tokens): [string, string][] => [
        ['access token signature', tokens.accessToken.split('.')[2]!],
        ['refresh token secret', tokens.refreshToken.split('.')[1]!],
      ]),
      ['tampered token signature', tampered.split('.')[2]!],
    ];
    for (const [what, secret] of secrets) {
      expect({ what, found: logs.includes(secret) }).toEqual({ what, found: false });
    }
    expect(logs).not.toMatch(/scrypt\$\d+/);
  }, 90_000);
});
