import { randomBytes, randomUUID } from 'node:crypto';
import { sign, type Algorithm } from 'jsonwebtoken';
import request from 'supertest';
import { countRows, login, registerUser, uniqueName, type TestUser } from './support/factories';
import { ADMIN, startTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app';
import { query } from './support/test-database';

interface UserBody {
  id: string;
  username: string;
  displayName: string;
  role: string;
  createdAt: string;
}

interface SessionBody {
  user: UserBody;
  accessToken: string;
  refreshToken: string;
}

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const REFRESH_TOKEN =
  /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([\w-]{43})$/;
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const PASSWORD = 'password-123';

function messagesOf(body: unknown): string[] {
  const { message } = body as ErrorBody;
  return Array.isArray(message) ? message : [message];
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** An access token as an attacker (or the server) could build it with jsonwebtoken. */
function craftToken(
  payload: Record<string, unknown>,
  options: { secret?: string; algorithm?: Algorithm; issuer?: string; audience?: string } = {},
): string {
  return sign(payload, options.secret ?? TEST_JWT_SECRET, {
    algorithm: options.algorithm ?? 'HS256',
    issuer: options.issuer ?? 'townhall',
    audience: options.audience ?? 'townhall',
  });
}

/** Valid claims for `sub`: issued now, expiring in 10 minutes. */
function claimsFor(sub: string): Record<string, unknown> {
  const iat = nowSeconds();
  return { sub, iat, exp: iat + 600 };
}

describe('auth (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const register = (body: unknown) =>
    request(t.http)
      .post('/api/auth/register')
      .send(body as object);
  const postLogin = (body: unknown) =>
    request(t.http)
      .post('/api/auth/login')
      .send(body as object);
  const refresh = (refreshToken: unknown) =>
    request(t.http).post('/api/auth/refresh').send({ refreshToken });
  const logout = (refreshToken: unknown) =>
    request(t.http).post('/api/auth/logout').send({ refreshToken });
  const me = (token?: string) => {
    const req = request(t.http).get('/api/auth/me');
    return token === undefined ? req : req.set('Authorization', `Bearer ${token}`);
  };

  /** The response is a 400 in the error shape whose message names `field`. */
  function expectBadField(res: request.Response, field: string): void {
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(messagesOf(res.body).join('\n')).toContain(field);
  }

  function expectUnauthorized(res: request.Response): void {
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect(messagesOf(res.body).join('')).not.toBe('');
  }

  function expectUserShape(user: UserBody, username: string): void {
    expect(Object.keys(user).sort()).toEqual([
      'createdAt',
      'displayName',
      'id',
      'role',
      'username',
    ]);
    expect(user.id).toMatch(UUID);
    expect(user.username).toBe(username);
    expect(user.role).toBe('reader');
    expect(new Date(user.createdAt).toISOString()).toBe(user.createdAt);
  }

  /** Nothing secret about the account leaks into a response body: no such key, no such value. */
  function expectNoSecrets(res: request.Response, password = PASSWORD): void {
    const keys: string[] = [];
    JSON.stringify(res.body, (key, value: unknown) => {
      keys.push(key);
      return value;
    });
    expect(keys.filter((key) => /password|hash|secret/i.test(key))).toEqual([]);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(password);
    expect(text).not.toContain('scrypt$');
  }

  describe('POST /api/auth/register', () => {
    it('creates a reader and answers 201 {user, accessToken, refreshToken}', async () => {
      const username = uniqueName('Reg');
      const res = await register({ username, password: PASSWORD }).expect(201);
      const body = res.body as SessionBody;
      expect(Object.keys(body).sort()).toEqual(['accessToken', 'refreshToken', 'user']);
      expectUserShape(body.user, username);
      expect(body.user.displayName).toBe(username);
      expect(body.accessToken).toMatch(JWT);
      expect(body.refreshToken).toMatch(REFRESH_TOKEN);
      expectNoSecrets(res);

      const meRes = await me(body.accessToken).expect(200);
      expect(meRes.body).toEqual(body.user);
      expect(await countRows(t.database.url, 'users', 'id = $1', [body.user.id])).toBe(1);
    });

    it('keeps a trimmed displayName', async () => {
      const res = await register({
        username: uniqueName(),
        password: PASSWORD,
        displayName: '  Ada Lovelace  ',
      }).expect(201);
      expect((res.body as SessionBody).user.displayName).toBe('Ada Lovelace');
    });

    it('accepts the length limits exactly', async () => {
      const shortName = `u${randomBytes(1).toString('hex')}`;
      expect(shortName).toHaveLength(3);
      await register({ username: shortName, password: 'x'.repeat(8) }).expect(201);
      const longName = `L_${randomBytes(15).toString('hex')}`;
      expect(longName).toHaveLength(32);
      const res = await register({
        username: longName,
        password: 'x'.repeat(128),
        displayName: 'd'.repeat(64),
      }).expect(201);
      expect((res.body as SessionBody).user.displayName).toBe('d'.repeat(64));
      await login(t.http, longName, 'x'.repeat(128));
    });

    it('answers 409 for a taken username in any letter case, and stores nothing', async () => {
      const username = uniqueName('Case');
      await register({ username, password: PASSWORD }).expect(201);
      const before = await countRows(t.database.url, 'users');
      for (const variant of [username, username.toLowerCase(), username.toUpperCase()]) {
        const res = await register({ username: variant, password: 'other-password' }).expect(409);
        expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
        expect(messagesOf(res.body).join('')).toMatch(/username/i);
      }
      await register({ username: ADMIN.username.toUpperCase(), password: PASSWORD }).expect(409);
      expect(await countRows(t.database.url, 'users')).toBe(before);
      // the first owner's password still works
      await login(t.http, username, PASSWORD);
    });

    it('lets exactly one of two concurrent registrations of one name win', async () => {
      const username = uniqueName('race');
      const results = await Promise.all([
        register({ username, password: PASSWORD }),
        register({ username: username.toUpperCase(), password: PASSWORD }),
      ]);
      expect(results.map((res) => res.status).sort()).toEqual([201, 409]);
      expect(await countRows(t.database.url, 'users', 'username_key = $1', [username])).toBe(1);
    });

    it.each([
      ['that is too short', 'ab'],
      ['that is too long', 'a'.repeat(33)],
      ['with a hyphen', 'ada-lovelace'],
      ['with a space', 'ada lovelace'],
      ['with a dot', 'ada.l'],
      ['with non-ASCII letters', 'adä_l'],
      ['with a NUL byte', 'ada\u0000l'],
      ['that is empty', ''],
    ])('rejects a username %s with 400 naming username', async (_what, username) => {
      const before = await countRows(t.database.url, 'users');
      expectBadField(await register({ username, password: PASSWORD }), 'username');
      expect(await countRows(t.database.url, 'users')).toBe(before);
    });

    it.each([
      ['that is too short', 'x'.repeat(7)],
      ['that is too long', 'x'.repeat(129)],
      ['that is empty', ''],
      ['with a NUL byte', 'password\u0000123'],
      ['with a control character', 'password\u0007123'],
      ['that is not well-formed Unicode', 'password\ud800123'],
    ])('rejects a password %s with 400 naming password', async (_what, password) => {
      expectBadField(await register({ username: uniqueName(), password }), 'password');
    });

    it.each([
      ['that is blank', '   '],
      ['that is empty', ''],
      ['that is too long', 'd'.repeat(65)],
      ['with a NUL byte', 'Ada\u0000Lovelace'],
      ['with a control character', 'Ada\u001bLovelace'],
      ['with DEL', 'Ada\u007fLovelace'],
      ['with a C1 control character', 'Ada\u0085Lovelace'],
      ['with a lone surrogate', 'Ada \udc00'],
    ])('rejects a displayName %s with 400 naming displayName', async (_what, displayName) => {
      const username = uniqueName();
      expectBadField(await register({ username, password: PASSWORD, displayName }), 'displayName');
      expect(await countRows(t.database.url, 'users', 'username_key = $1', [username])).toBe(0);
    });

    it.each([
      ['username', 12345],
      ['username', true],
      ['username', ['ada_l']],
      ['username', { name: 'ada_l' }],
      ['username', null],
      ['password', 12345678],
      ['password', ['password-123']],
      ['password', null],
      ['displayName', 42],
      ['displayName', ['Ada']],
      ['displayName', { first: 'Ada' }],
    ])('rejects a non-string %s (%p) with 400', async (field, value) => {
      const body: Record<string, unknown> = { username: uniqueName(), password: PASSWORD };
      body[field] = value;
      expectBadField(await register(body), field);
    });

    it('rejects missing fields with 400 naming them', async () => {
      expectBadField(await register({ password: PASSWORD }), 'username');
      expectBadField(await register({ username: uniqueName() }), 'password');
    });

    it('rejects unknown fields (e.g. a self-assigned role) with 400 naming them', async () => {
      const username = uniqueName();
      const res = await register({ username, password: PASSWORD, role: 'admin' });
      expectBadField(res, 'role');
      expect(await countRows(t.database.url, 'users', 'username_key = $1', [username])).toBe(0);
      expectBadField(await register({ username, password: PASSWORD, isAdmin: true }), 'isAdmin');
    });

    it('rejects malformed JSON and non-object bodies with 400', async () => {
      const malformed = await request(t.http)
        .post('/api/auth/register')
        .set('Content-Type', 'application/json')
        .send('{"username": "ada_l", ');
      expect(malformed.status).toBe(400);
      expect(malformed.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      const array = await request(t.http).post('/api/auth/register').send([]);
      expect(array.status).toBe(400);
    });

    it('stores the password only as a scrypt hash', async () => {
      const user = await registerUser(t.http);
      const rows = await query<{ password_hash: string }>(
        t.database.url,
        'SELECT password_hash FROM users WHERE id = $1',
        [user.id],
      );
      expect(rows).toHaveLength(1);
      const hash = rows[0]!.password_hash;
      expect(hash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
      expect(hash).not.toContain(user.password);
    });
  });

  describe('POST /api/auth/login', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await registerUser(t.http);
    });

    it('answers 200 {user, accessToken, refreshToken} for the right password', async () => {
      const res = await postLogin({ username: user.username, password: user.password }).expect(200);
      const body = res.body as SessionBody;
      expect(Object.keys(body).sort()).toEqual(['accessToken', 'refreshToken', 'user']);
      expectUserShape(body.user, user.username);
      expect(body.user.id).toBe(user.id);
      expect(body.refreshToken).toMatch(REFRESH_TOKEN);
      expect(body.refreshToken).not.toBe(user.refreshToken);
      expectNoSecrets(res);
      const meRes = await me(body.accessToken).expect(200);
      expect((meRes.body as UserBody).id).toBe(user.id);
    });

    it('answers wrong password and unknown user with the identical 401', async () => {
      const wrong = await postLogin({ username: user.username, password: 'wrong-password' });
      const unknown = await postLogin({ username: uniqueName('ghost'), password: user.password });
      expectUnauthorized(wrong);
      expectUnauthorized(unknown);
      expect(unknown.body).toEqual(wrong.body);
      expect(wrong.body).not.toHaveProperty('accessToken');
      expect(JSON.stringify(wrong.body)).not.toContain(user.username);
    });

    it('validates the body before checking credentials (400 naming the field)', async () => {
      expectBadField(await postLogin({ username: user.username }), 'password');
      expectBadField(await postLogin({ password: user.password }), 'username');
      expectBadField(await postLogin({ username: 123, password: user.password }), 'username');
      expectBadField(await postLogin({ username: user.username, password: 12345678 }), 'password');
      expectBadField(await postLogin({ username: 'a', password: user.password }), 'username');
      expectBadField(
        await postLogin({ username: user.username, password: user.password, extra: 1 }),
        'extra',
      );
      const empty = await request(t.http).post('/api/auth/login');
      expect(empty.status).toBe(400);
    });
  });

  describe('GET /api/auth/me', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await registerUser(t.http);
    });

    it('answers 200 with the User for a valid access token', async () => {
      const res = await me(user.accessToken).expect(200);
      const body = res.body as UserBody;
      expectUserShape(body, user.username);
      expect(body.id).toBe(user.id);
      expectNoSecrets(res);
      expect(JSON.stringify(body)).not.toContain(user.refreshToken);
      expect(JSON.stringify(body)).not.toContain(user.accessToken);
    });

    it('answers 401 without a token', async () => {
      expectUnauthorized(await me());
    });

    it.each([
      ['an empty Authorization header', ''],
      ['only the scheme', 'Bearer'],
      ['only the scheme and a space', 'Bearer '],
      ['another scheme', 'Basic YWRtaW46YWRtaW4tcGFzc3dvcmQtMQ=='],
      ['a token that is not a JWT', 'Bearer not-a-jwt'],
      ['three dots of garbage', 'Bearer a.b.c'],
    ])('answers 401 with %s', async (_what, header) => {
      expectUnauthorized(await request(t.http).get('/api/auth/me').set('Authorization', header));
    });

    it('answers 401 when the token is sent without the Bearer scheme', async () => {
      const res = await request(t.http).get('/api/auth/me').set('Authorization', user.accessToken);
      expectUnauthorized(res);
    });
  });

  describe('access-token attacks on GET /api/auth/me', () => {
    let user: TestUser;
    let victim: TestUser;
    beforeAll(async () => {
      [user, victim] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    });

    it('accepts a well-formed token crafted the way the tests craft the attacks (control)', async () => {
      const res = await me(craftToken(claimsFor(user.id))).expect(200);
      expect((res.body as UserBody).id).toBe(user.id);
    });

    it('rejects an alg:none token', async () => {
      const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({
        ...claimsFor(user.id),
        iss: 'townhall',
        aud: 'townhall',
      })}`;
      expectUnauthorized(await me(`${unsigned}.`));
      // the same, carrying a genuine signature from another token
      expectUnauthorized(await me(`${unsigned}.${user.accessToken.split('.')[2]}`));
      // alg spelled differently
      const upper = `${base64url({ alg: 'NONE', typ: 'JWT' })}.${unsigned.split('.')[1]}.`;
      expectUnauthorized(await me(upper));
    });

    it('rejects a token signed with another secret', async () => {
      const forged = craftToken(claimsFor(user.id), {
        secret: 'another-secret-that-is-at-least-32-characters',
      });
      expectUnauthorized(await me(forged));
    });

    it('rejects a tampered payload (sub changed) under the original signature', async () => {
      const [header, payload, signature] = user.accessToken.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      expect(claims.sub).toBe(user.id);
      const tampered = `${header}.${base64url({ ...claims, sub: victim.id })}.${signature}`;
      expectUnauthorized(await me(tampered));
      // the untouched token still works: only the tampering was refused
      await me(user.accessToken).expect(200);
    });

    it('rejects an expired token', async () => {
      const iat = nowSeconds() - 1000;
      expectUnauthorized(await me(craftToken({ sub: user.id, iat, exp: iat + 600 })));
    });

    it('rejects a token without exp', async () => {
      expectUnauthorized(await me(craftToken({ sub: user.id, iat: nowSeconds() })));
    });

    it('rejects a token without iat', async () => {
      const token = sign({ sub: user.id, exp: nowSeconds() + 600 }, TEST_JWT_SECRET, {
        algorithm: 'HS256',
        issuer: 'townhall',
        audience: 'townhall',
        noTimestamp: true,
      });
      expectUnauthorized(await me(token));
    });

    it('rejects a token with iat far in the future', async () => {
      const iat = nowSeconds() + 24 * 3600;
      expectUnauthorized(await me(craftToken({ sub: user.id, iat, exp: iat + 600 })));
    });

    it('rejects a token that lives longer than 15 minutes', async () => {
      const iat = nowSeconds();
      expectUnauthorized(await me(craftToken({ sub: user.id, iat, exp: iat + 30 * 24 * 3600 })));
    });

    it('rejects an HS512 token signed with the right secret', async () => {
      expectUnauthorized(await me(craftToken(claimsFor(user.id), { algorithm: 'HS512' })));
    });

    it('rejects a token with another issuer or audience', async () => {
      expectUnauthorized(await me(craftToken(claimsFor(user.id), { issuer: 'evil' })));
      expectUnauthorized(await me(craftToken(claimsFor(user.id), { audience: 'evil' })));
    });

    it('rejects a token for a user id that does not exist', async () => {
      expectUnauthorized(await me(craftToken(claimsFor(randomUUID()))));
    });

    it('rejects a token whose sub is not a user id', async () => {
      expectUnauthorized(await me(craftToken(claimsFor(user.username))));
      expectUnauthorized(await me(craftToken(claimsFor(`${user.id}' OR '1'='1`))));
    });

    it('does not accept a refresh token as an access token', async () => {
      expectUnauthorized(await me(user.refreshToken));
    });
  });

  describe('POST /api/auth/refresh', () => {
    it('answers 200 with a new pair; the old refresh token then fails', async () => {
      const user = await registerUser(t.http);
      const res = await refresh(user.refreshToken).expect(200);
      const body = res.body as { accessToken: string; refreshToken: string };
      expect(Object.keys(body).sort()).toEqual(['accessToken', 'refreshToken']);
      expect(body.accessToken).toMatch(JWT);
      expect(body.refreshToken).toMatch(REFRESH_TOKEN);
      expect(body.refreshToken).not.toBe(user.refreshToken);
      const meRes = await me(body.accessToken).expect(200);
      expect((meRes.body as UserBody).id).toBe(user.id);

      expectUnauthorized(await refresh(user.refreshToken));
    });

    it('keeps rotating along a chain', async () => {
      const user = await registerUser(t.http);
      let token = user.refreshToken;
      const seen = new Set([token]);
      for (let i = 0; i < 3; i++) {
        token = ((await refresh(token).expect(200)).body as { refreshToken: string }).refreshToken;
        expect(seen.has(token)).toBe(false);
        seen.add(token);
      }
      const rows = await query<{ family_id: string; used: boolean; revoked: boolean }>(
        t.database.url,
        `SELECT family_id, used_at IS NOT NULL AS used, revoked_at IS NOT NULL AS revoked
           FROM refresh_tokens WHERE user_id = $1`,
        [user.id],
      );
      expect(rows).toHaveLength(4);
      expect(new Set(rows.map((row) => row.family_id)).size).toBe(1);
      expect(rows.filter((row) => row.used)).toHaveLength(3);
      expect(rows.some((row) => row.revoked)).toBe(false);
    });

    it('on reuse of a used token answers 401 and revokes the whole chain', async () => {
      const user = await registerUser(t.http);
      const other = await login(t.http, user.username, user.password);
      const first = (await refresh(user.refreshToken).expect(200)).body as {
        refreshToken: string;
      };
      const newest = (await refresh(first.refreshToken).expect(200)).body as {
        refreshToken: string;
      };

      // an attacker replays the middle token
      expectUnauthorized(await refresh(first.refreshToken));
      // the legitimate holder's newest token is now dead too
      expectUnauthorized(await refresh(newest.refreshToken));
      expectUnauthorized(await refresh(user.refreshToken));

      const firstId = user.refreshToken.split('.')[0];
      const unrevoked = await countRows(
        t.database.url,
        'refresh_tokens',
        'family_id = (SELECT family_id FROM refresh_tokens WHERE id = $1) AND revoked_at IS NULL',
        [firstId],
      );
      expect(unrevoked).toBe(0);

      // another session of the same user is a different chain and keeps working
      await refresh(other.refreshToken).expect(200);
    });

    it('of two concurrent uses of one token, exactly one rotates and the chain is revoked', async () => {
      const user = await registerUser(t.http);
      const results = await Promise.all([refresh(user.refreshToken), refresh(user.refreshToken)]);
      expect(results.map((res) => res.status).sort()).toEqual([200, 401]);
      const winner = results.find((res) => res.status === 200)!;
      expectUnauthorized(await refresh((winner.body as { refreshToken: string }).refreshToken));
    });

    it('answers 401 for an expired refresh token', async () => {
      const user = await registerUser(t.http);
      await query(
        t.database.url,
        `UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`,
        [user.refreshToken.split('.')[0]],
      );
      expectUnauthorized(await refresh(user.refreshToken));
    });

    it.each([
      ['garbage', () => 'garbage'],
      [
        'an unknown well-formed token',
        () => `${randomUUID()}.${randomBytes(32).toString('base64url')}`,
      ],
      ['a bare uuid', () => randomUUID()],
      ['a token with an extra part', (user: TestUser) => `${user.refreshToken}.x`],
      ['a token with the secret cut short', (user: TestUser) => user.refreshToken.slice(0, -1)],
    ])('answers 401 for %s', async (_what, make) => {
      const user = await registerUser(t.http);
      expectUnauthorized(await refresh(make(user)));
      // nothing was consumed: the real token still works
      await refresh(user.refreshToken).expect(200);
    });

    it('refuses an access token in place of a refresh token', async () => {
      const user = await registerUser(t.http);
      const res = await refresh(user.accessToken);
      expect(res.status).toBe(401);
      expect(res.body).not.toHaveProperty('accessToken');
    });

    it('answers 401 for a known id with a wrong secret, without revoking the chain', async () => {
      const user = await registerUser(t.http);
      const [id] = user.refreshToken.split('.');
      const wrong = `${id}.${randomBytes(32).toString('base64url')}`;
      expectUnauthorized(await refresh(wrong));
      expectUnauthorized(await refresh(wrong));
      await refresh(user.refreshToken).expect(200);
    });

    it.each([
      ['a number', 12345],
      ['null', null],
      ['an array', ['a.b']],
      ['an object', { token: 'a.b' }],
      ['an empty string', ''],
      ['a string over 1024 characters', 'x'.repeat(1025)],
    ])('answers 400 naming refreshToken for %s', async (_what, value) => {
      expectBadField(await refresh(value), 'refreshToken');
    });

    it('answers 400 for a missing token or an unknown field', async () => {
      expectBadField(await request(t.http).post('/api/auth/refresh').send({}), 'refreshToken');
      const user = await registerUser(t.http);
      expectBadField(
        await request(t.http)
          .post('/api/auth/refresh')
          .send({ refreshToken: user.refreshToken, userId: user.id }),
        'userId',
      );
      // the rejected request did not consume the token
      await refresh(user.refreshToken).expect(200);
    });

    it('stores refresh tokens only as hashes', async () => {
      const user = await registerUser(t.http);
      const rotated = (
        (await refresh(user.refreshToken).expect(200)).body as {
          refreshToken: string;
        }
      ).refreshToken;
      for (const token of [user.refreshToken, rotated]) {
        const match = REFRESH_TOKEN.exec(token);
        expect(match).not.toBeNull();
        const [, id, secret] = match!;
        const rows = await query<{ secret_hash: string; row: Record<string, unknown> }>(
          t.database.url,
          'SELECT secret_hash, row_to_json(r) AS row FROM refresh_tokens r WHERE id = $1',
          [id],
        );
        expect(rows).toHaveLength(1);
        const { secret_hash: secretHash, row } = rows[0]!;
        expect(secretHash).not.toBe(secret);
        expect(secretHash).not.toContain(secret!);
        expect(secretHash.length).toBeGreaterThanOrEqual(32);
        expect(row.user_id).toBe(user.id);
        expect(JSON.stringify(row)).not.toContain(secret!);
      }
    });
  });

  describe('POST /api/auth/logout', () => {
    it('answers 204 and revokes the chain, so refresh fails', async () => {
      const user = await registerUser(t.http);
      const other = await login(t.http, user.username, user.password);
      const res = await logout(user.refreshToken).expect(204);
      expect(res.text).toBe('');
      expectUnauthorized(await refresh(user.refreshToken));
      // another session is not affected
      await refresh(other.refreshToken).expect(200);
    });

    it('revokes the newest token of the chain when given an older, used one', async () => {
      const user = await registerUser(t.http);
      const newest = (
        (await refresh(user.refreshToken).expect(200)).body as {
          refreshToken: string;
        }
      ).refreshToken;
      await logout(user.refreshToken).expect(204);
      expectUnauthorized(await refresh(newest));
    });

    it('is idempotent', async () => {
      const user = await registerUser(t.http);
      await logout(user.refreshToken).expect(204);
      await logout(user.refreshToken).expect(204);
      expectUnauthorized(await refresh(user.refreshToken));
    });

    it('answers 204 for unknown or garbage tokens', async () => {
      await logout(`${randomUUID()}.${randomBytes(32).toString('base64url')}`).expect(204);
      await logout('garbage').expect(204);
    });

    it('does not revoke a chain for a known id with a wrong secret', async () => {
      const user = await registerUser(t.http);
      const [id] = user.refreshToken.split('.');
      await logout(`${id}.${randomBytes(32).toString('base64url')}`).expect(204);
      await refresh(user.refreshToken).expect(200);
    });

    it('answers 400 naming refreshToken for a non-string or missing token', async () => {
      expectBadField(await logout(12345), 'refreshToken');
      expectBadField(await logout(null), 'refreshToken');
      expectBadField(await request(t.http).post('/api/auth/logout').send({}), 'refreshToken');
    });
  });
});
