/**
 * Single sign-on from a publisher's site (API.md): the site-signed token, every way it can be
 * wrong (each a 401 that creates nothing), one Townhall user per (site, sub) under concurrency,
 * RS256/ES256 tokens against the site's JWKS, and the JWKS fetch's address guard.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import request from 'supertest';
import { bearer, countRows, loginAdmin, type TestUser } from './support/factories';
import { query } from './support/test-database';
import { startTestApp, type TestApp } from './support/test-app';

interface Session {
  user: { id: string; username: string; displayName: string; role: string };
  accessToken: string;
  refreshToken: string;
}

const now = (): number => Math.floor(Date.now() / 1000);

async function hs256(secret: string, claims: JWTPayload, alg = 'HS256'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg }).sign(new TextEncoder().encode(secret));
}

function unsigned(claims: JWTPayload): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

describe('single sign-on (HTTP)', () => {
  let t: TestApp;
  let admin: TestUser;
  let site: { id: string; ssoSecret: string };
  let otherSite: { id: string; ssoSecret: string };
  let jwksServer: Server;
  let jwks: { keys: object[] } = { keys: [] };

  const claims = (extra: JWTPayload = {}): JWTPayload => ({
    sub: 'reader-42',
    name: 'Zoë Reader',
    exp: now() + 600,
    ...extra,
  });
  const sso = (siteId: string, token: unknown): request.Test =>
    request(t.http).post('/api/auth/sso').send({ siteId, token });

  async function newSite(body: object = {}): Promise<{ id: string; ssoSecret: string }> {
    const res = await request(t.http)
      .post('/api/sites')
      .set(...bearer(admin))
      .send({ name: 'Publisher', origins: ['https://news.example'], ...body })
      .expect(201);
    return res.body as { id: string; ssoSecret: string };
  }

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true' });
    admin = await loginAdmin(t.http);
    site = await newSite();
    otherSite = await newSite();
    jwksServer = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => jwksServer.close(resolve));
    await t.close();
  });

  it('signs in a reader from a valid token, and the same sub again is the same user with the new name and e-mail', async () => {
    const sub = `sub-${Date.now()}`;
    const first = (
      await sso(
        site.id,
        await hs256(
          site.ssoSecret,
          claims({ sub, email: 'zoe@news.example', email_verified: true }),
        ),
      ).expect(200)
    ).body as Session;
    expect(first.user).toEqual({
      id: expect.any(String),
      username: expect.stringMatching(/^Zoe_Reader_[0-9a-f]{6}$/),
      displayName: 'Zoë Reader',
      role: 'reader',
      createdAt: expect.any(String),
    });
    const me = await request(t.http)
      .get('/api/auth/me')
      .set('Authorization', `Bearer ${first.accessToken}`)
      .expect(200);
    expect((me.body as { id: string }).id).toBe(first.user.id);
    await request(t.http)
      .post('/api/auth/refresh')
      .send({ refreshToken: first.refreshToken })
      .expect(200);

    const again = (
      await sso(
        site.id,
        await hs256(site.ssoSecret, claims({ sub, name: 'Zoë R.', email: 'z@news.example' })),
      ).expect(200)
    ).body as Session;
    expect(again.user.id).toBe(first.user.id);
    expect(again.user.displayName).toBe('Zoë R.');
    const [row] = await query<{
      email: string;
      email_verified: boolean;
      sso_subject: string;
      password_hash: string | null;
    }>(
      t.database.url,
      'SELECT email, email_verified, sso_subject, password_hash FROM users WHERE id = $1',
      [first.user.id],
    );
    expect(row).toEqual({
      email: 'z@news.example',
      email_verified: false,
      sso_subject: sub,
      password_hash: null,
    });
  });

  it('accepts an aud that is the site id; the same sub on another site is another user', async () => {
    const sub = `shared-${Date.now()}`;
    const here = (
      await sso(site.id, await hs256(site.ssoSecret, claims({ sub, aud: site.id }))).expect(200)
    ).body as Session;
    const there = (
      await sso(otherSite.id, await hs256(otherSite.ssoSecret, claims({ sub }))).expect(200)
    ).body as Session;
    expect(there.user.id).not.toBe(here.user.id);
  });

  it('makes one user when the first sign-ins of one sub arrive at once', async () => {
    const sub = `concurrent-${Date.now()}`;
    const token = await hs256(site.ssoSecret, claims({ sub }));
    const answers = await Promise.all(Array.from({ length: 12 }, () => sso(site.id, token)));
    expect(answers.map((res) => res.status)).toEqual(Array(12).fill(200));
    expect(new Set(answers.map((res) => (res.body as Session).user.id)).size).toBe(1);
    expect(await countRows(t.database.url, 'users', 'sso_subject = $1', [sub])).toBe(1);
  });

  describe('refuses, with 401 and nothing created', () => {
    const cases: [string, () => Promise<[string, unknown]>][] = [
      ['alg none', async () => [site.id, unsigned(claims())]],
      ['HS384', async () => [site.id, await hs256(site.ssoSecret, claims(), 'HS384')]],
      ['HS512', async () => [site.id, await hs256(site.ssoSecret, claims(), 'HS512')]],
      [
        'RS256 signed by someone',
        async () => {
          const { privateKey } = await generateKeyPair('RS256');
          return [
            site.id,
            await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(privateKey),
          ];
        },
      ],
      [
        'a bad signature',
        async () => {
          const token = await hs256(site.ssoSecret, claims());
          return [site.id, `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`];
        },
      ],
      ["another site's secret", async () => [site.id, await hs256(otherSite.ssoSecret, claims())]],
      [
        'an expired token',
        async () => [site.id, await hs256(site.ssoSecret, claims({ exp: now() - 5 }))],
      ],
      [
        'no exp',
        async () => {
          const rest = claims();
          delete rest.exp;
          return [site.id, await hs256(site.ssoSecret, rest)];
        },
      ],
      [
        'exp more than 24 h ahead',
        async () => [site.id, await hs256(site.ssoSecret, claims({ exp: now() + 86_400 + 120 }))],
      ],
      [
        'no sub',
        async () => {
          const rest = claims();
          delete rest.sub;
          return [site.id, await hs256(site.ssoSecret, rest)];
        },
      ],
      ['an empty sub', async () => [site.id, await hs256(site.ssoSecret, claims({ sub: '' }))]],
      ['no name', async () => [site.id, await hs256(site.ssoSecret, claims({ name: undefined }))]],
      [
        'a name with a control character',
        async () => [site.id, await hs256(site.ssoSecret, claims({ name: 'a\u0007b' }))],
      ],
      [
        'a wrong aud',
        async () => [site.id, await hs256(site.ssoSecret, claims({ aud: otherSite.id }))],
      ],
      [
        'an e-mail that is not one',
        async () => [site.id, await hs256(site.ssoSecret, claims({ email: 'not-an-address' }))],
      ],
      [
        'an unknown site',
        async () => ['00000000-0000-4000-8000-000000000000', await hs256(site.ssoSecret, claims())],
      ],
      ['a token that is not a JWT', async () => [site.id, 'not.a.jwt']],
    ];
    it.each(cases)('%s', async (_what, make) => {
      const users = await countRows(t.database.url, 'users');
      const [siteId, token] = await make();
      const res = await sso(siteId, token).expect(401);
      expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect(res.body).not.toHaveProperty('accessToken');
      expect(await countRows(t.database.url, 'users')).toBe(users);
    });

    it('the old secret once the site rotated it', async () => {
      const rotating = await newSite();
      const token = await hs256(rotating.ssoSecret, claims({ sub: `rot-${Date.now()}` }));
      await request(t.http)
        .post(`/api/sites/${rotating.id}/sso-secret`)
        .set(...bearer(admin))
        .expect(201);
      await sso(rotating.id, token).expect(401);
    });
  });

  it.each([
    ['a malformed site id', { siteId: 'site-1', token: 'x' }],
    ['no token', { siteId: '00000000-0000-4000-8000-000000000000' }],
    ['a token that is not a string', { siteId: '00000000-0000-4000-8000-000000000000', token: 42 }],
    [
      'an unknown field',
      { siteId: '00000000-0000-4000-8000-000000000000', token: 'x', user: 'me' },
    ],
  ])('answers 400 for %s', async (_what, body) => {
    await request(t.http).post('/api/auth/sso').send(body).expect(400);
  });

  describe("against the site's JWKS", () => {
    it('verifies RS256 and ES256 tokens by kid, and refuses HS256 (the secret no longer counts)', async () => {
      const rsa = await generateKeyPair('RS256');
      const ec = await generateKeyPair('ES256');
      jwks = {
        keys: [
          { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
          { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
        ],
      };
      const { port } = jwksServer.address() as AddressInfo;
      const jwksSite = await newSite({ ssoJwksUrl: `http://127.0.0.1:${port}/jwks.json` });
      const rs = await new SignJWT(claims({ sub: `rs-${Date.now()}` }))
        .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
        .sign(rsa.privateKey);
      const es = await new SignJWT(claims({ sub: `es-${Date.now()}` }))
        .setProtectedHeader({ alg: 'ES256', kid: 'ec-1' })
        .sign(ec.privateKey);
      await sso(jwksSite.id, rs).expect(200);
      await sso(jwksSite.id, es).expect(200);
      await sso(jwksSite.id, await hs256(jwksSite.ssoSecret, claims())).expect(401);
      const stranger = await generateKeyPair('RS256');
      const forged = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
        .sign(stranger.privateKey);
      await sso(jwksSite.id, forged).expect(401);
    });
  });
});

describe('single sign-on: the JWKS address guard and the rate limit', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMITS: 'on', RATE_LIMIT_LOGIN_IP: '3/1m' });
  });
  afterAll(() => t.close());

  it('refuses to fetch a JWKS from a loopback address (the site was stored before the rule), 401', async () => {
    const admin = await loginAdmin(t.http);
    const res = await request(t.http)
      .post('/api/sites')
      .set(...bearer(admin))
      .send({ name: 'P', origins: [] })
      .expect(201);
    const siteId = (res.body as { id: string }).id;
    await query(t.database.url, 'UPDATE sites SET sso_jwks_url = $1 WHERE id = $2', [
      'https://127.0.0.1:9/jwks.json',
      siteId,
    ]);
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ sub: 'x', name: 'X', exp: now() + 60 })
      .setProtectedHeader({ alg: 'RS256' })
      .sign(privateKey);
    await request(t.http).post('/api/auth/sso').send({ siteId, token }).expect(401);
  });

  it('is limited per address like login (429 with Retry-After)', async () => {
    const body = { siteId: '00000000-0000-4000-8000-000000000000', token: 'a.b.c' };
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 4; i++) {
      const res = await request(t.http).post('/api/auth/sso').send(body);
      statuses.push(res.status);
      retryAfter ??= res.headers['retry-after'] as string | undefined;
    }
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s !== 429).every((s) => s === 401)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });
});
