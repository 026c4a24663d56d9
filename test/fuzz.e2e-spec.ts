import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import request from 'supertest';
import {
  countRows,
  createArticle,
  loginAdmin,
  postComment,
  registerUser,
  type TestUser,
  userWithRole,
} from './support/factories';
import { connect, type TestSocket } from './support/socket-clients';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Property-based fuzzing of every REST route of API.md and of the socket events: junk in,
 * always a 4xx JSON error out, nothing stored, Object.prototype untouched. Seeded: a failure
 * reproduces with the same seed.
 */
const SEED = 20261128;
fc.configureGlobal({ seed: SEED, numRuns: 150, endOnFailure: true });

const TABLES = [
  'users',
  'articles',
  'votes',
  'comments',
  'comment_reports',
  'moderation_log',
  'sites',
  'site_api_keys',
  'refresh_tokens',
  'moderation_defaults',
  'comment_votes',
  'comment_revisions',
  'notifications',
  'webhooks',
  'webhook_deliveries',
];

type Role = 'none' | 'reader' | 'moderator' | 'admin' | 'garbage';
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

interface Route {
  method: Method;
  /** builds the path from a generated segment (or an existing id) */
  path: (param: string) => string;
  role: Role;
  /** body fields the DTO knows, each with the kind of a valid value */
  fields?: Record<string, 'string' | 'array'>;
  /** GET routes: query keys the DTO knows */
  query?: string[];
  /** true when the path param names something that may exist (so only junk ids are used) */
  dangerousParam?: boolean;
}

/** The fields of the article create and update DTOs. */
const ARTICLE_FIELDS: Route['fields'] = {
  slug: 'string',
  category: 'string',
  title: 'string',
  body: 'string',
  keyTakeaways: 'array',
  followUps: 'array',
};

// --- generators: JSON text fragments, so edge cases (-0, 1e309, __proto__) survive as sent ---

const edgeNumber = fc.constantFrom(
  '0',
  '-0',
  '-1',
  '1.5',
  '1e308',
  '-1e308',
  '1e309',
  '9007199254740992',
  '9007199254740993',
  '-9007199254740993',
  '2147483648',
  '1e-400',
);
const nastyString = fc.oneof(
  fc.constantFrom(
    'NaN',
    'Infinity',
    '-0',
    '1e308',
    '',
    ' ',
    'a\u0000b',
    '\u0000',
    '\u0007bell',
    '\u001b[31m',
    '\u007f',
    '\u0085',
    "' OR 1=1 --",
    '__proto__',
    'constructor',
    '../../etc/passwd',
    '%00',
    'up',
    'admin',
    'newest',
    'removed',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.nat({ max: 70_000 }).map((n) => 'x'.repeat(n)),
);
/** a JSON string literal, possibly with escapes JSON.stringify would not write (lone surrogates) */
const stringLiteral = fc.oneof(
  nastyString.map((s) => JSON.stringify(s)),
  fc.constantFrom('"\\ud800"', '"a\\udfffb"', '"\\udc00\\ud800"', '"\\u0000"'),
);
const scalar = fc.oneof(
  fc.constantFrom('null', 'true', 'false'),
  edgeNumber,
  stringLiteral,
  fc.uuid().map((u) => JSON.stringify(u)),
);
const pollution = fc.constantFrom(
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"prototype":{"polluted":"yes"}}',
);
const deep = fc
  .integer({ min: 10, max: 3000 })
  .chain((d) =>
    fc.constantFrom('['.repeat(d) + ']'.repeat(d), '{"a":'.repeat(d) + '1' + '}'.repeat(d)),
  );
const hugeArray = fc
  .integer({ min: 100, max: 20_000 })
  .map((n) => `[${Array.from({ length: n }, (_, i) => i % 10).join(',')}]`);
const jsonValue: fc.Arbitrary<string> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    pollution,
    deep,
    hugeArray,
    fc.array(tie('value'), { maxLength: 5 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(fc.string({ maxLength: 8 }), tie('value')), { maxLength: 4 })
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  ),
})).value;
/** a value that is never valid for a field of this kind */
const wrongFor = (kind: 'string' | 'array'): fc.Arbitrary<string> =>
  kind === 'string'
    ? fc.oneof(fc.constantFrom('null', 'true', 'false', '{}', '[]'), edgeNumber, pollution, deep)
    : fc.oneof(fc.constantFrom('null', 'true', '{}', '"a"'), edgeNumber, pollution);
const unknownKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'isAdmin', 'role ', 'id'),
  fc.string({ minLength: 1, maxLength: 10 }).map((k) => `zz_${k}`),
);

/** A body that no DTO accepts: not an object, an unknown field, or a known field of the wrong type. */
function invalidBody(fields: Record<string, 'string' | 'array'>): fc.Arbitrary<string | Buffer> {
  const names = Object.keys(fields);
  const others = fc
    .subarray(names)
    .chain((keys) => fc.tuple(...keys.map((k) => jsonValue.map((v) => [k, v] as const))));
  const object = (entries: (readonly [string, string])[]): string =>
    `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
  return fc.oneof(
    // not an object at all
    fc.oneof(scalar, hugeArray, deep).filter((v) => !v.startsWith('{')),
    // a known field of a type it never has
    fc
      .tuple(fc.constantFrom(...names), others)
      .chain(([bad, rest]) =>
        wrongFor(fields[bad]!).map((v) => object([...rest.filter(([k]) => k !== bad), [bad, v]])),
      ),
    // an unknown field among (possibly valid-looking) known ones
    fc.tuple(unknownKey, jsonValue, others).map(([k, v, rest]) => object([...rest, [k, v]])),
    // bytes that are not JSON, not UTF-8, or too large
    fc.constantFrom<string | Buffer>(
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0x22, 0x7d]),
      Buffer.from([0xff, 0xfe, 0xfd]),
      Buffer.from([0xed, 0xa0, 0x80]),
      '{"a":',
      '{"a":1,}',
      "{'a':1}",
      '\u0000',
      '',
      `{"body":"${'x'.repeat(1024 * 1024)}"}`,
    ),
  );
}

const junkSegment = fc.oneof(
  nastyString.filter((s) => s.length > 0 && s.length < 3000),
  fc.constantFrom('00000000-0000-0000-0000-000000000000', 'NaN', '-0', '1e308', '9007199254740992'),
  fc.uuid(), // well-formed but unknown
);
const encode = (segment: string): string => {
  try {
    return encodeURIComponent(segment);
  } catch {
    return '%ED%A0%80'; // a lone surrogate cannot be percent-encoded as UTF-8: send its raw bytes
  }
};

const queryValue = fc.oneof(
  nastyString.filter((s) => s.length < 3000),
  edgeNumber,
  fc.constant('NaN'),
  fc.constantFrom('%00', '%ff', '%E0%A4%A'),
);
const b64 = (json: string): string => Buffer.from(json, 'utf8').toString('base64url');
/** cursors that decode to the right shape but hold nonsense, or do not decode */
const badCursor = fc.oneof(
  nastyString.filter((s) => s.length > 0 && s.length < 500).map(encode),
  fc.constantFrom(
    b64('["not a date","x"]'),
    b64('["2020-01-01T00:00:00Z","not-a-uuid"]'),
    b64('["99999-01-01","00000000-0000-4000-8000-000000000000"]'),
    b64('["\\u0000","\\u0000"]'),
    b64('[1e308]'),
    b64('[-1]'),
    b64('[1.5]'),
    b64('[9007199254740993]'),
    b64('["x"]'),
    b64('[1e308,"2020-01-01T00:00:00Z","zz"]'),
    b64('[1.5,"x","y"]'),
    b64('{"__proto__":{"polluted":"yes"}}'),
    b64('null'),
    b64('["2020-02-30T00:00:00.000000Z","00000000-0000-4000-8000-000000000000"]'),
    b64('["0000-01-01T00:00:00.000000Z","00000000-0000-4000-8000-000000000000"]'),
    b64('["1","00000000-0000-4000-8000-000000000000"]'),
    b64('["+275760-09-13T00:00:00.000Z","00000000-0000-4000-8000-000000000000"]'),
    b64('[1.5,"2020-01-01T00:00:00.000000Z","00000000-0000-4000-8000-000000000000"]'),
    b64('[1e308,"1","00000000-0000-4000-8000-000000000000"]'),
    b64('[-1,"2020-02-30T00:00:00Z","00000000-0000-4000-8000-000000000000"]'),
  ),
);
/** A query string no list accepts: an unknown key, a bad limit or a cursor that is not one. */
function invalidQuery(keys: string[]): fc.Arbitrary<string> {
  const pair = (k: string, v: string): string => `${encode(k)}=${v}`;
  const junk = fc.array(
    fc.tuple(fc.constantFrom(...keys), queryValue).map(([k, v]) => pair(k, encode(v))),
    { maxLength: 3 },
  );
  const poison = fc.oneof(
    fc.tuple(unknownKey, queryValue).map(([k, v]) => pair(k, encode(v))),
    fc.tuple(unknownKey, queryValue).map(([k, v]) => `${encode(k)}[x]=${encode(v)}`),
    fc
      .oneof(edgeNumber, fc.constantFrom('NaN', 'abc', '', '101', '0', '1.5', '1e2', '0x10'))
      .map((v) => pair('limit', encode(v))),
    fc.constantFrom('limit[]=1', 'limit=1&limit=2', 'cursor[a]=b', 'cursor=a&cursor=b'),
    badCursor.map((c) => `limit=5&cursor=${c}`),
  );
  return fc.tuple(junk, poison).map(([rest, p]) => [...rest, p].join('&'));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function isUuidPayload(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { articleId?: unknown }).articleId === 'string' &&
    UUID.test((body as { articleId: string }).articleId)
  );
}

// --- the routes of API.md ---

const ROUTES: Route[] = [
  {
    method: 'post',
    path: () => '/api/auth/register',
    role: 'none',
    fields: { username: 'string', password: 'string', displayName: 'string' },
  },
  {
    method: 'post',
    path: () => '/api/auth/login',
    role: 'none',
    fields: { username: 'string', password: 'string' },
  },
  {
    method: 'post',
    path: () => '/api/auth/refresh',
    role: 'none',
    fields: { refreshToken: 'string' },
  },
  {
    method: 'post',
    path: () => '/api/auth/logout',
    role: 'none',
    fields: { refreshToken: 'string' },
  },
  { method: 'patch', path: (p) => `/api/users/${p}`, role: 'admin', fields: { role: 'string' } },
  {
    method: 'post',
    path: (p) => `/api/users/${p}/ban`,
    role: 'moderator',
    fields: { reason: 'string', until: 'string' },
  },
  { method: 'delete', path: (p) => `/api/users/${p}/ban`, role: 'moderator', dangerousParam: true },
  { method: 'get', path: () => '/api/articles', role: 'none', query: ['limit', 'cursor'] },
  { method: 'get', path: (p) => `/api/articles/${p}`, role: 'reader', dangerousParam: true },
  {
    method: 'post',
    path: () => '/api/articles',
    role: 'admin',
    fields: ARTICLE_FIELDS,
  },
  {
    method: 'patch',
    path: (p) => `/api/articles/${p}`,
    role: 'admin',
    fields: ARTICLE_FIELDS,
  },
  { method: 'delete', path: (p) => `/api/articles/${p}`, role: 'admin', dangerousParam: true },
  {
    method: 'put',
    path: (p) => `/api/articles/${p}/votes/interesting`,
    role: 'reader',
    fields: { value: 'string' },
  },
  {
    method: 'put',
    path: (p) => `/api/articles/${p}/votes/${p}`,
    role: 'reader',
    dangerousParam: true,
    fields: { value: 'string' },
  },
  {
    method: 'delete',
    path: (p) => `/api/articles/${p}/votes/support`,
    role: 'reader',
    dangerousParam: true,
  },
  {
    method: 'get',
    path: (p) => `/api/articles/${p}/comments`,
    role: 'moderator',
    query: ['limit', 'cursor', 'sort', 'parentId', 'include'],
  },
  {
    method: 'post',
    path: (p) => `/api/articles/${p}/comments`,
    role: 'reader',
    fields: { body: 'string', parentId: 'string' },
  },
  {
    method: 'patch',
    path: (p) => `/api/comments/${p}`,
    role: 'reader',
    fields: { body: 'string' },
  },
  { method: 'delete', path: (p) => `/api/comments/${p}`, role: 'reader', dangerousParam: true },
  {
    method: 'post',
    path: (p) => `/api/comments/${p}/remove`,
    role: 'moderator',
    fields: { reason: 'string' },
  },
  {
    method: 'post',
    path: (p) => `/api/comments/${p}/restore`,
    role: 'moderator',
    dangerousParam: true,
  },
  {
    method: 'post',
    path: (p) => `/api/comments/${p}/reports`,
    role: 'reader',
    fields: { reason: 'string' },
  },
  {
    method: 'get',
    path: () => '/api/moderation/queue',
    role: 'moderator',
    query: ['limit', 'cursor'],
  },
  {
    method: 'get',
    path: () => '/api/moderation/log',
    role: 'moderator',
    query: ['limit', 'cursor'],
  },
  // sites, the CMS routes, counts and single sign-on
  {
    method: 'post',
    path: () => '/api/sites',
    role: 'admin',
    fields: { name: 'string', origins: 'array', ssoJwksUrl: 'string' },
  },
  { method: 'get', path: () => '/api/sites', role: 'admin', query: ['limit', 'cursor'] },
  { method: 'get', path: (p) => `/api/sites/${p}`, role: 'admin', dangerousParam: true },
  {
    method: 'patch',
    path: (p) => `/api/sites/${p}`,
    role: 'admin',
    fields: { name: 'string', origins: 'array' },
    dangerousParam: true,
  },
  {
    method: 'post',
    path: (p) => `/api/sites/${p}/sso-secret`,
    role: 'admin',
    dangerousParam: true,
  },
  {
    method: 'post',
    path: (p) => `/api/sites/${p}/keys`,
    role: 'admin',
    fields: { name: 'string' },
    dangerousParam: true,
  },
  { method: 'get', path: (p) => `/api/sites/${p}/keys`, role: 'admin', dangerousParam: true },
  {
    method: 'delete',
    path: (p) => `/api/sites/${p}/keys/${p}`,
    role: 'admin',
    dangerousParam: true,
  },
  {
    method: 'put',
    path: (p) => `/api/sites/${p}/articles/${p}`,
    role: 'admin',
    fields: { ...ARTICLE_FIELDS, url: 'string' },
    dangerousParam: true,
  },
  {
    method: 'get',
    path: (p) => `/api/sites/${p}/articles/${p}`,
    role: 'none',
    dangerousParam: true,
  },
  {
    method: 'delete',
    path: (p) => `/api/sites/${p}/articles/${p}`,
    role: 'admin',
    dangerousParam: true,
  },
  // the site's own id is among the segments: the query is what is refused
  { method: 'get', path: (p) => `/api/sites/${p}/counts`, role: 'none', query: ['ids'] },
  {
    method: 'post',
    path: () => '/api/auth/sso',
    role: 'none',
    fields: { siteId: 'string', token: 'string' },
  },
  // moderation settings, pre-moderation decisions, revisions, comment votes, a user's history
  {
    method: 'put',
    path: () => '/api/settings/moderation',
    role: 'admin',
    fields: { mode: 'string', bannedWords: 'array', suspectWords: 'array' },
  },
  {
    method: 'post',
    path: (p) => `/api/comments/${p}/approve`,
    role: 'moderator',
    dangerousParam: true,
  },
  {
    method: 'post',
    path: (p) => `/api/comments/${p}/reject`,
    role: 'moderator',
    fields: { reason: 'string' },
  },
  {
    method: 'post',
    path: (p) => `/api/comments/${p}/feature`,
    role: 'moderator',
    dangerousParam: true,
  },
  {
    method: 'delete',
    path: (p) => `/api/comments/${p}/feature`,
    role: 'moderator',
    dangerousParam: true,
  },
  {
    method: 'get',
    path: (p) => `/api/comments/${p}/revisions`,
    role: 'reader',
    dangerousParam: true,
  },
  {
    method: 'put',
    path: (p) => `/api/comments/${p}/vote`,
    role: 'reader',
    fields: { value: 'string' },
  },
  {
    method: 'delete',
    path: (p) => `/api/comments/${p}/vote`,
    role: 'reader',
    dangerousParam: true,
  },
  {
    method: 'get',
    path: (p) => `/api/users/${p}/comments`,
    role: 'moderator',
    query: ['limit', 'cursor'],
  },
  // notifications, mail settings, the account, webhooks
  {
    method: 'get',
    path: () => '/api/notifications',
    role: 'reader',
    query: ['limit', 'cursor', 'unread'],
  },
  // (POST /api/notifications/read is left out: an empty body is a valid "mark all read")
  {
    method: 'patch',
    path: () => '/api/me/settings',
    role: 'reader',
    fields: { emailNotifications: 'string' },
  },
  { method: 'put', path: () => '/api/me/email', role: 'reader', fields: { email: 'string' } },
  { method: 'delete', path: () => '/api/me', role: 'reader', fields: { password: 'string' } },
  {
    method: 'post',
    path: (p) => `/api/sites/${p}/webhooks`,
    role: 'admin',
    fields: { url: 'string', events: 'array' },
  },
  {
    method: 'get',
    path: (p) => `/api/sites/${p}/webhooks`,
    role: 'admin',
    query: ['limit', 'cursor'],
  },
  {
    method: 'delete',
    path: (p) => `/api/sites/${p}/webhooks/${p}`,
    role: 'admin',
    dangerousParam: true,
  },
  {
    method: 'get',
    path: (p) => `/api/sites/${p}/webhooks/${p}/deliveries`,
    role: 'admin',
    dangerousParam: true,
  },
  {
    method: 'post',
    path: (p) => `/api/sites/${p}/webhooks/${p}/deliveries/${p}/retry`,
    role: 'admin',
    dangerousParam: true,
  },
];

describe('fuzzing (fast-check, seed ' + SEED + ')', () => {
  let t: TestApp;
  const users = {} as Record<'reader' | 'moderator' | 'admin', TestUser>;
  let articleId: string;
  let commentId: string;
  let siteId: string;
  let counts: Record<string, number>;
  let httpTried = 0;
  let httpRefused = 0;
  let httpPaged = 0;
  let socketTried = 0;
  let socketRefused = 0;

  const snapshot = async (): Promise<Record<string, number>> =>
    Object.fromEntries(
      await Promise.all(
        TABLES.map(async (table) => [table, await countRows(t.database.url, table)]),
      ),
    );

  beforeAll(async () => {
    t = await startTestApp({}, { listen: true });
    users.admin = await loginAdmin(t.http);
    users.moderator = await userWithRole(t.http, users.admin, 'moderator');
    users.reader = await registerUser(t.http);
    articleId = await createArticle(t.http, users.admin);
    const comment = await postComment(t.http, users.reader, articleId, 'a comment').expect(201);
    commentId = (comment.body as { id: string }).id;
    const site = await request(t.url)
      .post('/api/sites')
      .set('Authorization', `Bearer ${users.admin.accessToken}`)
      .send({ name: 'Fuzzed site', origins: ['https://news.example'] })
      .expect(201);
    siteId = (site.body as { id: string }).id;
    await request(t.url)
      .put(`/api/sites/${siteId}/articles/known-1`)
      .set('Authorization', `Bearer ${users.admin.accessToken}`)
      .send({ title: 'Known', category: 'News' })
      .expect(201);
    counts = await snapshot();
  });

  afterAll(async () => {
    console.log(
      `fuzz: ${httpTried} HTTP requests (${httpRefused} refused with a 4xx JSON error, ` +
        `${httpPaged} lenient cursors answered with an empty page), ` +
        `${socketTried} socket events (${socketRefused} refused with bad_request/not_found) (seed ${SEED})`,
    );
    await t?.close();
  });

  function send(
    route: Route,
    segment: string,
    role: Role,
    body: string | Buffer | undefined,
    query: string | undefined,
  ): Promise<request.Response> {
    let url = route.path(segment);
    if (query !== undefined) url += `?${query}`;
    const test = request(t.url)[route.method](url);
    if (role === 'garbage') test.set('Authorization', 'Bearer a.b.c');
    else if (role !== 'none') test.set('Authorization', `Bearer ${users[role].accessToken}`);
    if (body === undefined) return test;
    return test
      .set('Content-Type', 'application/json')
      .serialize((b: unknown) => b as string)
      .send(body as string);
  }

  function expectRefused(res: request.Response, label: string): void {
    const ok =
      res.status >= 400 &&
      res.status < 500 &&
      /^application\/json/.test(String(res.headers['content-type'])) &&
      typeof res.body === 'object' &&
      res.body !== null &&
      res.body.statusCode === res.status &&
      typeof res.body.error === 'string' &&
      (typeof res.body.message === 'string' ||
        (Array.isArray(res.body.message) &&
          (res.body.message as unknown[]).every((m) => typeof m === 'string')));
    if (!ok) throw new Error(`${label} answered ${res.status}: ${res.text.slice(0, 300)}`);
  }

  const roleFor = (route: Route): fc.Arbitrary<Role> =>
    fc.oneof(
      { weight: 8, arbitrary: fc.constant(route.role) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<Role>('none', 'reader', 'moderator', 'admin', 'garbage'),
      },
    );

  it.each(ROUTES.map((route) => [`${route.method.toUpperCase()} ${route.path(':id')}`, route]))(
    'refuses junk sent to %s with a 4xx JSON error',
    async (label, route) => {
      const existing = [articleId, commentId, users.reader.id, users.moderator.id, siteId].map(
        (s) => fc.constant(s),
      );
      const segment = route.dangerousParam
        ? junkSegment.map(encode)
        : fc.oneof(junkSegment.map(encode), ...existing);
      await fc.assert(
        fc.asyncProperty(
          segment,
          roleFor(route),
          route.fields ? invalidBody(route.fields) : fc.constant(undefined),
          route.query
            ? invalidQuery(route.query)
            : fc.option(
                fc.tuple(unknownKey, queryValue).map(([k, v]) => `${encode(k)}=${encode(v)}`),
              ),
          async (seg, role, body, query) => {
            const res = await send(route, seg, role, body, query ?? undefined);
            httpTried++;
            // a lenient cursor (e.g. 2020-02-30 read as March 1st) may give a page; never a 5xx
            if (
              res.status === 200 &&
              route.method === 'get' &&
              query?.includes('limit=5&cursor=')
            ) {
              expect(res.body).toEqual({ items: expect.any(Array), nextCursor: null });
              httpPaged++;
              return;
            }
            expectRefused(res, label);
            httpRefused++;
          },
        ),
      );
      expect(await snapshot()).toEqual(counts);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('refuses null for an optional body field with a 400 (it once reached the code as a value: 500)', async () => {
    for (const [method, path, body] of [
      ['post', '/api/notifications/read', { ids: null }],
      ['delete', '/api/me', { password: null }],
    ] as const) {
      const agent = request(t.url);
      const res = await agent[method](path)
        .set('Authorization', `Bearer ${users.reader.accessToken}`)
        .send(body);
      httpTried++;
      expectRefused(res, `${method} ${path} with null`);
      expect(res.status).toBe(400);
      httpRefused++;
    }
    expect(await snapshot()).toEqual(counts);
  });

  it('refuses an unknown or prototype-polluting key beside an otherwise valid body', async () => {
    const cases: [Route['method'], string, Record<string, unknown>][] = [
      ['post', '/api/auth/logout', { refreshToken: 'not-a-real-token' }],
      ['patch', `/api/articles/${articleId}`, {}],
      ['post', `/api/articles/${articleId}/comments`, { body: 'polluted?' }],
      ['put', `/api/articles/${articleId}/votes/support`, { value: 'up' }],
      ['post', `/api/comments/${commentId}/reports`, { reason: 'spam' }],
    ];
    for (const [method, path, valid] of cases) {
      for (const key of ['__proto__', 'constructor', 'prototype', 'zz_unknown']) {
        const json = JSON.stringify(valid).replace(
          /^\{/,
          `{"${key}":{"polluted":"yes"}${Object.keys(valid).length ? ',' : ''}`,
        );
        const actor = method === 'patch' ? users.admin : users.reader;
        const agent = request(t.url);
        const res = await agent[method](path)
          .set('Authorization', `Bearer ${actor.accessToken}`)
          .set('Content-Type', 'application/json')
          .serialize((b: unknown) => b as string)
          .send(json);
        httpTried++;
        expectRefused(res, `${method} ${path} with ${key}`);
        httpRefused++;
        expect(res.status).toBe(400);
      }
    }
    expect(await snapshot()).toEqual(counts);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  describe('socket events', () => {
    let socket: TestSocket;
    beforeAll(async () => {
      socket = await connect(t.url, users.reader.accessToken);
    });
    afterAll(() => socket?.close());

    // under the 16 KiB message limit (a bigger one closes the socket, by contract)
    const shortString = nastyString.filter((s) => s.length < 4000);
    const payload = fc.oneof(
      fc.constantFrom(null, undefined, true, 0, -0, 1e308, Number.NaN, 2 ** 53, 'NaN', '', 'x'),
      fc.record(
        {
          articleId: fc.oneof(fc.uuid(), shortString, fc.constant(null), fc.integer()),
          since: fc.oneof(
            fc.constantFrom(-1, -0, 1.5, 1e308, Number.NaN, 2 ** 53, '1', null, [], {}),
            fc.nat(),
          ),
        },
        { requiredKeys: [] },
      ),
      fc.tuple(unknownKey, fc.jsonValue()).map(([k, v]) => {
        const o: Record<string, unknown> = { articleId: randomUUID() };
        Object.defineProperty(o, k, { value: v, enumerable: true });
        return o;
      }),
      fc.array(fc.jsonValue(), { maxLength: 200 }),
      fc.jsonValue({ maxDepth: 4 }),
      fc.constant({ articleId: { toString: 'x' }, since: { valueOf: 1 } }),
    );

    it('acks junk subscribe/unsubscribe payloads with bad_request and stays connected', async () => {
      let valid = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('subscribe', 'unsubscribe'),
          payload,
          async (event, body) => {
            const ack = (await socket
              .timeout(5000)
              .emitWithAck(event as 'subscribe', body as never)) as {
              ok: boolean;
              error?: { code: string; message: string };
            };
            socketTried++;
            if (ack.ok) {
              valid++;
            } else if (ack.error?.code === 'not_found') {
              // a well-formed payload naming no article: refused, but not as bad input
              expect(isUuidPayload(body)).toBe(true);
              socketRefused++;
            } else {
              expect(ack.error).toEqual({ code: 'bad_request', message: expect.any(String) });
              socketRefused++;
            }
            expect(socket.connected).toBe(true);
          },
        ),
        { numRuns: 800 },
      );
      expect(valid).toBeLessThan(800);
    });

    it('acks junk watch and reauth payloads with bad_request (or not_found, unauthorized) and stays connected', async () => {
      const watchPayload = fc.oneof(
        payload,
        fc.record(
          {
            siteId: fc.oneof(fc.uuid(), shortString, fc.constant(null), fc.integer()),
            externalIds: fc.oneof(
              fc.array(fc.oneof(shortString, fc.integer(), fc.constant(null)), { maxLength: 250 }),
              fc.constant(Array.from({ length: 201 }, (_, i) => `id-${i}`)),
              fc.constant([]),
              shortString,
            ),
          },
          { requiredKeys: [] },
        ),
      );
      const reauthPayload = fc.oneof(
        payload,
        fc.record({ token: fc.oneof(shortString, fc.integer(), fc.constant(null)) }),
        fc.constant({ token: 'x'.repeat(5000) }),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            watchPayload.map((body) => ['watch', body] as const),
            reauthPayload.map((body) => ['reauth', body] as const),
          ),
          async ([event, body]) => {
            const ack = (await socket
              .timeout(5000)
              .emitWithAck(event as 'watch', body as never)) as {
              ok: boolean;
              error?: { code: string; message: string };
            };
            socketTried++;
            expect(ack.ok).toBe(false);
            const allowed =
              event === 'watch' ? ['bad_request', 'not_found'] : ['bad_request', 'unauthorized'];
            expect(allowed).toContain(ack.error?.code);
            expect(typeof ack.error?.message).toBe('string');
            socketRefused++;
            expect(socket.connected).toBe(true);
          },
        ),
        { numRuns: 400 },
      );
      // the socket still works, and still knows its user
      const watched = await socket
        .timeout(5000)
        .emitWithAck('watch', { siteId, externalIds: ['known-1'] });
      expect(watched).toMatchObject({ ok: true });
    });

    it('ignores unknown events and keeps the socket usable', async () => {
      for (const name of [
        'nope',
        'constructor',
        '__proto__',
        'subscribe ',
        'toString',
        'hasOwnProperty',
      ]) {
        (socket as unknown as { emit: (...a: unknown[]) => void }).emit(
          name,
          { articleId: articleId },
          () => undefined,
        );
        socketTried++;
      }
      const ack = await socket.timeout(5000).emitWithAck('subscribe', { articleId });
      socketTried++;
      expect(ack).toMatchObject({ ok: true });
      expect(socket.connected).toBe(true);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
});
