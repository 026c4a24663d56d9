import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import request from 'supertest';
import { bearer, countRows, loginAdmin, registerUser, type TestUser } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';
import { TEST_REDIS_URL } from './support/test-database';

interface OpenApiOperation {
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, unknown>;
}

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
}

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** Every REST operation the contract names, as OpenAPI writes them. */
const CONTRACT_OPERATIONS = [
  'POST /api/auth/register',
  'POST /api/auth/login',
  'POST /api/auth/refresh',
  'POST /api/auth/logout',
  'GET /api/auth/me',
  'PATCH /api/users/{id}',
  'POST /api/users/{id}/ban',
  'DELETE /api/users/{id}/ban',
  'GET /api/articles',
  'POST /api/articles',
  'GET /api/articles/{idOrSlug}',
  'PATCH /api/articles/{id}',
  'DELETE /api/articles/{id}',
  'GET /api/notifications',
  'GET /api/notifications/unread-count',
  'POST /api/notifications/read',
  'GET /api/me/export',
  'DELETE /api/me',
  'POST /api/sites/{id}/webhooks',
  'GET /api/sites/{id}/webhooks',
  'DELETE /api/sites/{id}/webhooks/{wid}',
  'GET /api/sites/{id}/webhooks/{wid}/deliveries',
  'POST /api/sites/{id}/webhooks/{wid}/deliveries/{did}/retry',
  'GET /health',
];

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Text that must never reach a client: internals of the server. */
const LEAKS = [/\n\s+at /, /\bat \S+ \(/, /SELECT/, /node_modules/, /QueryFailedError/, /\.ts:\d+/];

function json(http: TestApp['http'], method: 'post' | 'patch', path: string): request.Test {
  return request(http)[method](path).set('Content-Type', 'application/json');
}

/** Sends these exact bytes as the body, without supertest re-encoding them. */
function rawBody(test: request.Test, bytes: Buffer | string): request.Test {
  return test.serialize((body: unknown) => body as string).send(bytes as string);
}

function expectErrorShape(res: request.Response, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual({
    statusCode: status,
    error: expect.any(String),
    message: expect.anything(),
  });
  const message = res.body.message as unknown;
  expect(
    typeof message === 'string' ||
      (Array.isArray(message) && message.every((m) => typeof m === 'string')),
  ).toBe(true);
}

describe('HTTP conventions', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t.http);
  });
  afterAll(() => t.close());

  describe('error answers', () => {
    it('answers malformed JSON with 400 {statusCode, error, message}', async () => {
      for (const path of ['/api/auth/register', '/api/auth/login', '/api/articles']) {
        const res = await rawBody(json(t.http, 'post', path).set(...bearer(admin)), '{"a":');
        expectErrorShape(res, 400);
        expect(res.body.error).toBe('Bad Request');
      }
      const trailingComma = await rawBody(
        json(t.http, 'post', '/api/auth/login'),
        '{"username":"admin",}',
      );
      expectErrorShape(trailingComma, 400);
    });

    it('answers a JSON body that is not an object with 400', async () => {
      for (const body of ['null', '[]', '"text"', '42']) {
        const res = await rawBody(json(t.http, 'post', '/api/auth/register'), body);
        expectErrorShape(res, 400);
      }
    });

    it('answers a body over 64 KiB with 413, and one just under it normally', async () => {
      const big = JSON.stringify({ username: 'x'.repeat(65 * 1024), password: 'password-123' });
      const tooLarge = await rawBody(json(t.http, 'post', '/api/auth/register'), big);
      expectErrorShape(tooLarge, 413);
      expect(tooLarge.body.error).toBe('Payload Too Large');

      const justUnder = JSON.stringify({ username: 'x'.repeat(63 * 1024), password: 'p' });
      const validated = await rawBody(json(t.http, 'post', '/api/auth/register'), justUnder);
      expectErrorShape(validated, 400);
      expect(JSON.stringify(validated.body.message)).toContain('username');
    });

    it('answers invalid UTF-8 in the body with 400 and stores nothing', async () => {
      const username = `utf_${randomBytes(3).toString('hex')}`;
      const bytes = Buffer.concat([
        Buffer.from(`{"username":"${username}","password":"password-123","displayName":"a`),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from('"}'),
      ]);

      const res = await rawBody(json(t.http, 'post', '/api/auth/register'), bytes);

      expectErrorShape(res, 400);
      expect(await countRows(t.database.url, 'users', 'username = $1', [username])).toBe(0);
    });

    it.each([
      ['NUL', '\u0000'],
      ['a bell', '\u0007'],
      ['an escape', '\u001b'],
      ['DEL', '\u007f'],
      ['a C1 control', '\u0085'],
    ])('answers %s inside a text field with 400 and stores nothing', async (_case, control) => {
      const title = `Title ${randomBytes(3).toString('hex')}`;

      const article = await request(t.http)
        .post('/api/articles')
        .set(...bearer(admin))
        .send({ category: 'News', title: `${title}${control}`, keyTakeaways: [], followUps: [] });
      const user = await request(t.http)
        .post('/api/auth/register')
        .send({ username: 'control_chars', password: 'password-123', displayName: `a${control}b` });

      expectErrorShape(article, 400);
      expect(JSON.stringify(article.body.message)).toContain('title');
      expectErrorShape(user, 400);
      expect(JSON.stringify(user.body.message)).toContain('displayName');
      expect(await countRows(t.database.url, 'articles', 'title LIKE $1', [`${title}%`])).toBe(0);
      expect(await countRows(t.database.url, 'users', "username = 'control_chars'")).toBe(0);
    });

    it('accepts newlines and tabs in text', async () => {
      const res = await request(t.http)
        .post('/api/articles')
        .set(...bearer(admin))
        .send({
          category: 'News',
          title: `Tabs ${randomBytes(3).toString('hex')}`,
          body: 'line one\n\tline two\r\n',
          keyTakeaways: [],
          followUps: [],
        })
        .expect(201);
      expect(res.body.body).toBe('line one\n\tline two\r\n');
    });

    it('answers a lone surrogate in the JSON text with 400 and stores nothing', async () => {
      const title = `Surrogate ${randomBytes(3).toString('hex')}`;
      const cases = [
        `{"category":"News","title":"${title}","body":"a\\ud800b","keyTakeaways":[],"followUps":[]}`,
        `{"category":"News","title":"${title}","keyTakeaways":["\\udfff"],"followUps":[]}`,
        `{"category":"News","title":"${title} \\udc00\\ud800","keyTakeaways":[],"followUps":[]}`,
      ];
      for (const body of cases) {
        const res = await rawBody(
          json(t.http, 'post', '/api/articles').set(...bearer(admin)),
          body,
        );
        expectErrorShape(res, 400);
      }
      const paired = `{"category":"News","title":"${title}","body":"\\ud83d\\ude00","keyTakeaways":[],"followUps":[]}`;
      const ok = await rawBody(json(t.http, 'post', '/api/articles').set(...bearer(admin)), paired);
      expect(ok.status).toBe(201);
      expect(ok.body.body).toBe('😀');
      expect(await countRows(t.database.url, 'articles', 'title LIKE $1', [`${title}%`])).toBe(1);
    });

    it('answers an unknown route with a 404 JSON error', async () => {
      for (const [method, path] of [
        ['get', '/nope'],
        ['get', '/api/nope'],
        ['post', '/api/articles/x/y/z'],
        ['delete', '/api/auth/me'],
      ] as const) {
        const res = await request(t.http)[method](path);
        expectErrorShape(res, 404);
        expect(res.body.error).toBe('Not Found');
      }
    });

    it('never shows a stack trace, SQL or file paths across a batch of bad requests', async () => {
      const reader = await registerUser(t.http);
      const auth = bearer(admin);
      // each with the status API.md names for it
      const responses: [number, request.Response][] = [
        [400, await rawBody(json(t.http, 'post', '/api/auth/login'), '{"username":')],
        [400, await rawBody(json(t.http, 'post', '/api/auth/register'), Buffer.from([0x7b, 0xff]))],
        [
          413,
          await rawBody(
            json(t.http, 'post', '/api/auth/register'),
            `{"a":"${'x'.repeat(70_000)}"}`,
          ),
        ],
        [
          400,
          await rawBody(
            json(t.http, 'post', '/api/auth/register').set('Content-Encoding', 'gzip'),
            '{"not":"gzip"}',
          ),
        ],
        [
          400,
          await rawBody(
            json(t.http, 'post', '/api/auth/register').set('Content-Encoding', 'br'),
            'not brotli',
          ),
        ],
        [
          400,
          await request(t.http)
            .post('/api/auth/login')
            .send({ username: ['a'], password: {} }),
        ],
        [
          400,
          await request(t.http)
            .post('/api/auth/refresh')
            .send({ refreshToken: 'x'.repeat(5000) }),
        ],
        [401, await request(t.http).get('/api/auth/me').set('Authorization', 'Bearer a.b.c')],
        [400, await request(t.http).get('/api/articles/%E0%A4%A')],
        [404, await request(t.http).get(`/api/articles/${'z'.repeat(2000)}`)],
        [400, await request(t.http).get('/api/articles?cursor=%00%01')],
        [400, await request(t.http).get('/api/articles?limit[]=1&cursor[x]=y')],
        [400, await request(t.http).get('/api/articles').query({ cursor: "' OR 1=1 --" })],
        [
          400,
          await request(t.http)
            .patch('/api/articles/not-a-uuid')
            .set(...auth)
            .send({}),
        ],
        [
          400,
          await request(t.http)
            .patch('/api/articles/00000000-0000-4000-8000-000000000000')
            .set(...auth)
            .send({ followUps: [{ id: 'nope' }] }),
        ],
        [
          400,
          await request(t.http)
            .patch(`/api/users/${reader.id}`)
            .set(...auth)
            .send({ role: {} }),
        ],
        [
          400,
          await request(t.http)
            .post(`/api/users/${reader.id}/ban`)
            .set(...auth)
            .send({ until: [] }),
        ],
        [
          400,
          await request(t.http)
            .post('/api/articles')
            .set(...auth)
            .send({ slug: 'x'.repeat(300) }),
        ],
        [404, await request(t.http).get('/nope/../../etc/passwd')],
      ];

      for (const [i, [status, res]] of responses.entries()) {
        expect({ i, status: res.status }).toEqual({ i, status });
        for (const leak of LEAKS) expect(res.text).not.toMatch(leak);
        expect(res.body).toMatchObject({ statusCode: res.status });
      }
    });
  });

  describe('headers', () => {
    it('sets helmet security headers and hides x-powered-by', async () => {
      const res = await request(t.http).get('/api/articles').expect(200);

      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(res.headers['x-powered-by']).toBeUndefined();
    });

    it('keeps a sane X-Request-Id, and generates one when it is missing or not sane', async () => {
      const given = await request(t.http)
        .get('/api/articles')
        .set('X-Request-Id', 'client-req_42.a')
        .expect(200);
      const missing = await request(t.http).get('/api/articles').expect(200);
      const other = await request(t.http).get('/api/articles').expect(200);
      const insane = await request(t.http)
        .get('/api/articles')
        .set('X-Request-Id', 'has spaces; and <html>')
        .expect(200);
      const overlong = await request(t.http)
        .get('/api/articles')
        .set('X-Request-Id', 'a'.repeat(65))
        .expect(200);

      expect(given.headers['x-request-id']).toBe('client-req_42.a');
      for (const res of [missing, other, insane, overlong]) {
        expect(res.headers['x-request-id']).toMatch(/^[\w.-]{8,64}$/);
      }
      expect(missing.headers['x-request-id']).not.toBe(other.headers['x-request-id']);
      expect(insane.headers['x-request-id']).not.toContain(' ');
    });

    it('sends X-Request-Id on error answers too, including ones the body parser gives', async () => {
      const parserError = await rawBody(
        json(t.http, 'post', '/api/auth/login').set('X-Request-Id', 'broken-json-1'),
        '{',
      ).expect(400);
      const tooLarge = await rawBody(
        json(t.http, 'post', '/api/auth/login'),
        `{"a":"${'x'.repeat(70_000)}"}`,
      ).expect(413);
      const notFound = await request(t.http).get('/nope').set('X-Request-Id', 'nf-1').expect(404);

      expect(parserError.headers['x-request-id']).toBe('broken-json-1');
      expect(tooLarge.headers['x-request-id']).toMatch(/^[\w.-]{8,64}$/);
      expect(notFound.headers['x-request-id']).toBe('nf-1');
    });

    it('allows any Origin by default in tests (CORS_ORIGINS unset, NODE_ENV=test)', async () => {
      const simple = await request(t.http)
        .get('/api/articles')
        .set('Origin', 'https://anywhere.example')
        .expect(200);
      const preflight = await request(t.http)
        .options('/api/articles')
        .set('Origin', 'https://anywhere.example')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type');

      expect(t.config.corsOrigins).toBe('*');
      expect(simple.headers['access-control-allow-origin']).toMatch(
        /^(\*|https:\/\/anywhere\.example)$/,
      );
      expect(simple.headers['access-control-expose-headers']).toContain('X-Request-Id');
      expect(preflight.status).toBeLessThan(300);
      expect(preflight.headers['access-control-allow-origin']).toMatch(
        /^(\*|https:\/\/anywhere\.example)$/,
      );
      expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    });
  });

  describe('OpenAPI', () => {
    let document: OpenApiDocument;

    beforeAll(async () => {
      const res = await request(t.http).get('/api/docs-json').expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      document = res.body as OpenApiDocument;
    });

    function documented(): string[] {
      return Object.entries(document.paths).flatMap(([path, item]) =>
        Object.keys(item)
          .filter((method) => HTTP_METHODS.includes(method))
          .map((method) => `${method.toUpperCase()} ${path}`),
      );
    }

    it('is an OpenAPI 3 document of every route the contract names', () => {
      expect(document.openapi).toMatch(/^3\./);
      expect(documented()).toEqual(expect.arrayContaining(CONTRACT_OPERATIONS));
    });

    /** The reader pages, the embed's frame, their assets and scripts: for browsers, not the REST API. */
    const READER_PAGES = [
      '/',
      '/articles/',
      '/comments/',
      '/assets/',
      '/embed/',
      '/embed.js',
      '/count.js',
    ];
    const isReaderPage = (path: string): boolean =>
      READER_PAGES.some((page) => (page === '/' ? path === '/' : path.startsWith(page)));

    it('documents every REST route the app actually serves', () => {
      const express = t.app.getHttpAdapter().getInstance() as {
        router: { stack: RouteLayer[] };
      };
      const served = express.router.stack
        .flatMap((layer) => {
          const route = layer.route;
          if (!route || route.path.includes('{*') || route.path.startsWith('/api/docs')) return [];
          if (isReaderPage(route.path)) return [];
          const path = route.path.replace(/:(\w+)/g, '{$1}');
          return Object.keys(route.methods)
            .filter((method) => HTTP_METHODS.includes(method))
            .map((method) => `${method.toUpperCase()} ${path}`);
        })
        .sort();

      expect(served).toEqual(expect.arrayContaining(CONTRACT_OPERATIONS));
      expect(documented().sort()).toEqual(served);
    });

    it('gives every request body a schema and every operation a 2xx answer', () => {
      for (const [path, item] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(item)) {
          if (!HTTP_METHODS.includes(method)) continue;
          const name = `${method.toUpperCase()} ${path}`;
          if (operation.requestBody) {
            const schema = operation.requestBody.content?.['application/json']?.schema;
            expect({ name, schema }).toEqual({ name, schema: expect.anything() });
          }
          const statuses = Object.keys(operation.responses ?? {});
          expect({ name, ok: statuses.some((s) => /^2\d\d$/.test(s)) }).toEqual({ name, ok: true });
        }
      }
    });

    it('has a request body on every write that takes one', () => {
      for (const name of [
        'POST /api/auth/register',
        'POST /api/auth/login',
        'POST /api/auth/refresh',
        'POST /api/auth/logout',
        'PATCH /api/users/{id}',
        'POST /api/users/{id}/ban',
        'POST /api/articles',
        'PATCH /api/articles/{id}',
      ]) {
        const [method, path] = name.split(' ') as [string, string];
        expect({ name, body: document.paths[path]?.[method.toLowerCase()]?.requestBody }).toEqual({
          name,
          body: expect.anything(),
        });
      }
    });

    it('serves the UI as HTML at /api/docs', async () => {
      const res = await request(t.http).get('/api/docs').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toMatch(/<html/i);
    });
  });

  describe('GET /health', () => {
    it('answers 200 with database and redis up', async () => {
      const res = await request(t.http).get('/health').expect(200);
      expect(res.body).toMatchObject({
        status: 'ok',
        info: { database: { status: 'up' }, redis: { status: 'up' } },
      });
    });
  });
});

describe('CORS with CORS_ORIGINS set', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: 'https://a.example' });
  });
  afterAll(() => t.close());

  it('allows a listed origin', async () => {
    const simple = await request(t.http)
      .get('/api/articles')
      .set('Origin', 'https://a.example')
      .expect(200);
    const preflight = await request(t.http)
      .options('/api/articles')
      .set('Origin', 'https://a.example')
      .set('Access-Control-Request-Method', 'POST');

    expect(simple.headers['access-control-allow-origin']).toBe('https://a.example');
    expect(preflight.headers['access-control-allow-origin']).toBe('https://a.example');
  });

  it('gives any other origin no Access-Control-Allow-Origin', async () => {
    for (const origin of ['https://evil.example', 'https://a.example.evil.example', 'null']) {
      const simple = await request(t.http).get('/api/articles').set('Origin', origin);
      const preflight = await request(t.http)
        .options('/api/articles')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST');
      expect(simple.headers['access-control-allow-origin']).toBeUndefined();
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('serves clients that send no Origin', async () => {
    const res = await request(t.http).get('/api/articles').expect(200);
    expect(res.body).toEqual({ items: [], nextCursor: null });
  });
});

describe('GET /health with Redis configured', () => {
  /** A "Redis" that accepts connections and drops them at once; counts the attempts. */
  async function brokenRedis(): Promise<{ url: string; attempts(): number; close(): void }> {
    let attempts = 0;
    const server = createServer((socket) => {
      attempts += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `redis://127.0.0.1:${port}`,
      attempts: () => attempts,
      close: () => server.close(),
    };
  }

  it('answers 503 when Redis does not answer', async () => {
    const t = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:6390' });
    try {
      const res = await request(t.http).get('/health').expect(503);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      // terminus's report says which dependency is down
      expect(res.body).toMatchObject({
        status: 'error',
        info: { database: { status: 'up' } },
        error: { redis: { status: 'down' } },
      });
      for (const leak of LEAKS) expect(res.text).not.toMatch(leak);
    } finally {
      await t.close();
    }
  });

  it('stops connecting to Redis once the app is closed', async () => {
    const redis = await brokenRedis();
    const t = await startTestApp({ REDIS_URL: redis.url });
    try {
      await request(t.http).get('/health').expect(503);
      expect(redis.attempts()).toBeGreaterThanOrEqual(1);

      await t.close();
      // a connection attempt already under way when the app closed may still land
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const afterClose = redis.attempts();
      await new Promise((resolve) => setTimeout(resolve, 1500));

      expect(redis.attempts()).toBe(afterClose);
    } finally {
      redis.close();
    }
  });

  it('answers 200 when Redis answers', async () => {
    const t = await startTestApp({ REDIS_URL: TEST_REDIS_URL });
    try {
      const res = await request(t.http).get('/health').expect(200);
      expect(res.body).toMatchObject({
        status: 'ok',
        info: { database: { status: 'up' }, redis: { status: 'up' } },
      });
    } finally {
      await t.close();
    }
  });
});
