import { createHmac, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { sign } from 'jsonwebtoken';
import request from 'supertest';
import type { ReportCreatedEvent, SessionChangedEvent } from '../src/realtime/contract';
import {
  bearer,
  countRows,
  createArticle,
  login,
  loginAdmin,
  postComment,
  registerUser,
  type TestUser,
  uniqueName,
  userWithRole,
} from './support/factories';
import { connect, nextEvent, record, subscribe, type TestSocket } from './support/socket-clients';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app';

/** How long a socket must stay quiet before we say an event did not reach it. */
const QUIET_MS = 300;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const base64url = (value: unknown): string =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/**
 * POST /api/auth/login over a TCP connection from `sourceIp` (any 127.x.y.z is this machine):
 * a real change of client address, as a botnet would make, not a spoofable header.
 */
function loginFrom(
  url: string,
  sourceIp: string,
  body: { username: string; password: string },
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}/api/auth/login`,
      {
        method: 'POST',
        localAddress: sourceIp,
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function expectRateLimited(res: RawResponse): void {
  expect(res.status).toBe(429);
  expect(res.headers['retry-after']).toMatch(/^\d+$/);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
  expect(res.body).toEqual({
    statusCode: 429,
    error: 'Too Many Requests',
    message: expect.any(String),
  });
}

describe('auth hardening: brute force against login (RATE_LIMITS=on)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(
      {
        RATE_LIMITS: 'on',
        RATE_LIMIT_LOGIN_USER: '3/1m',
        RATE_LIMIT_LOGIN_USER_TOTAL: '6/1m',
        RATE_LIMIT_LOGIN_IP: '5/1m',
      },
      { listen: true },
    );
  });
  afterAll(() => t.close());

  it('stops a password list against one user from rotating IPs, even when it reaches the right password', async () => {
    const victim = await registerUser(t.http);
    const guesses = Array.from({ length: 12 }, (_, i) => `guess-${i}-password`);
    guesses[6] = victim.password;

    const answers: RawResponse[] = [];
    for (const [i, password] of guesses.entries()) {
      // a new client address for every attempt: only the per-username ceiling can hold
      answers.push(
        await loginFrom(t.url, `127.0.1.${i + 1}`, { username: victim.username, password }),
      );
    }

    expect(answers.slice(0, 6).map((res) => res.status)).toEqual([401, 401, 401, 401, 401, 401]);
    for (const res of answers.slice(6)) {
      expectRateLimited(res);
      expect(res.body).not.toHaveProperty('accessToken');
    }
    // the username is counted in any letter case and from yet another address
    expectRateLimited(
      await loginFrom(t.url, '127.0.1.200', {
        username: victim.username.toUpperCase(),
        password: victim.password,
      }),
    );
    // other accounts are not locked out
    const other = await registerUser(t.http);
    const ok = await loginFrom(t.url, '127.0.1.201', {
      username: other.username,
      password: other.password,
    });
    expect(ok.status).toBe(200);
  });

  it("does not lock the owner out: a guesser's failures count against the guesser's address", async () => {
    const owner = await registerUser(t.http);
    const guesser = '127.0.3.1';
    for (let i = 0; i < 3; i++) {
      const res = await loginFrom(t.url, guesser, {
        username: owner.username,
        password: `wrong-${i}-password`,
      });
      expect(res.status).toBe(401);
    }
    expectRateLimited(
      await loginFrom(t.url, guesser, { username: owner.username, password: owner.password }),
    );
    const ownLogin = await loginFrom(t.url, '127.0.3.2', {
      username: owner.username,
      password: owner.password,
    });
    expect(ownLogin.status).toBe(200);
    expect(ownLogin.body).toHaveProperty('accessToken');
  });

  it('limits one client address spraying many usernames, and X-Forwarded-For does not reset it', async () => {
    const sprayer = '127.0.2.1';
    const tries = Array.from({ length: 5 }, () => uniqueName('spray'));
    for (const username of tries) {
      const res = await loginFrom(t.url, sprayer, { username, password: 'password-123' });
      expect({ username, status: res.status }).toEqual({ username, status: 401 });
    }
    const sixth = await loginFrom(t.url, sprayer, {
      username: uniqueName('spray'),
      password: 'password-123',
    });
    expectRateLimited(sixth);
    // a forged proxy header is not believed: the connection's address is what counts
    for (const forwarded of ['203.0.113.7', '127.0.2.99', '203.0.113.8, 198.51.100.1']) {
      expectRateLimited(
        await loginFrom(
          t.url,
          sprayer,
          { username: uniqueName('spray'), password: 'password-123' },
          { 'X-Forwarded-For': forwarded, 'X-Real-IP': forwarded },
        ),
      );
    }
    // the limit is per address: a neighbour logs in
    const neighbour = await registerUser(t.http);
    const res = await loginFrom(t.url, '127.0.2.2', {
      username: neighbour.username,
      password: neighbour.password,
    });
    expect(res.status).toBe(200);
  });
});

/**
 * Everything below runs against one app with rate limits off (RATE_LIMITS=off), listening
 * for socket clients.
 */
describe('auth hardening (RATE_LIMITS=off)', () => {
  let t: TestApp;
  let admin: TestUser;
  const sockets: TestSocket[] = [];

  async function open(token?: string): Promise<TestSocket> {
    const socket = await connect(t.url, token);
    sockets.push(socket);
    return socket;
  }

  const me = (token: string): request.Test =>
    request(t.http).get('/api/auth/me').set('Authorization', `Bearer ${token}`);
  const refresh = (refreshToken: string): request.Test =>
    request(t.http).post('/api/auth/refresh').send({ refreshToken });

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMITS: 'off' }, { listen: true });
    admin = await loginAdmin(t.http);
  });
  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    await t?.close();
  });

  describe('forged and mangled access tokens (REST and socket handshake)', () => {
    let user: TestUser;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

    /** A token with any header, HMAC-signed with `secret` (SHA-256 unless said). */
    function hmacToken(
      header: Record<string, unknown>,
      payload: Record<string, unknown>,
      secret: string | Buffer,
      hash = 'sha256',
    ): string {
      const input = `${base64url(header)}.${base64url(payload)}`;
      return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
    }

    /** Valid claims for `sub`: our issuer and audience, issued now, 10 minutes to live. */
    const claims = (sub: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
      sub,
      iat: nowSeconds(),
      exp: nowSeconds() + 600,
      iss: 'townhall',
      aud: 'townhall',
      ...extra,
    });
    const HS256 = { alg: 'HS256', typ: 'JWT' };

    beforeAll(async () => {
      user = await registerUser(t.http);
    });

    const forged: [string, (sub: string) => string][] = [
      [
        'HS512 with the right secret',
        (sub) => hmacToken({ alg: 'HS512', typ: 'JWT' }, claims(sub), TEST_JWT_SECRET, 'sha512'),
      ],
      [
        'HS384 with the right secret',
        (sub) => hmacToken({ alg: 'HS384', typ: 'JWT' }, claims(sub), TEST_JWT_SECRET, 'sha384'),
      ],
      [
        'alg "none" without a signature',
        (sub) => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims(sub))}.`,
      ],
      [
        'alg "None" with an HS256 signature',
        (sub) => hmacToken({ alg: 'None', typ: 'JWT' }, claims(sub), TEST_JWT_SECRET),
      ],
      [
        'alg "hs256" in lower case',
        (sub) => hmacToken({ alg: 'hs256', typ: 'JWT' }, claims(sub), TEST_JWT_SECRET),
      ],
      [
        'an RS256 header over an HMAC signature with the right secret',
        (sub) => hmacToken({ alg: 'RS256', typ: 'JWT' }, claims(sub), TEST_JWT_SECRET),
      ],
      [
        'an RS256 header over an HMAC keyed with an attacker public key',
        (sub) =>
          hmacToken(
            { alg: 'RS256', typ: 'JWT' },
            claims(sub),
            publicKey.export({ type: 'spki', format: 'pem' }),
          ),
      ],
      [
        'RS256 signed by an attacker key carried in a jwk header',
        (sub) =>
          sign(claims(sub), privateKey, {
            algorithm: 'RS256',
            header: { alg: 'RS256', jwk: publicKey.export({ format: 'jwk' }) } as never,
          }),
      ],
      [
        'RS256 signed by an attacker key named by a jku header',
        (sub) =>
          sign(claims(sub), privateKey, {
            algorithm: 'RS256',
            header: { alg: 'RS256', jku: 'http://127.0.0.1:9/keys.json', kid: 'attacker' } as never,
          }),
      ],
      [
        'a kid pointing to /dev/null, signed with an empty key',
        (sub) => hmacToken({ ...HS256, kid: '../../../../../../dev/null' }, claims(sub), ''),
      ],
      [
        'a kid pointing to a file, signed with its contents',
        (sub) =>
          hmacToken({ ...HS256, kid: '/proc/sys/kernel/hostname' }, claims(sub), 'localhost\n'),
      ],
      [
        'a kid with SQL injection selecting a known key',
        (sub) =>
          hmacToken(
            { ...HS256, kid: "x' UNION SELECT 'attacker-key' --" },
            claims(sub),
            'attacker-key',
          ),
      ],
      [
        'a kid naming the secret file, signed with another secret',
        (sub) => hmacToken({ ...HS256, kid: '.data/jwt-secret' }, claims(sub), 'guessed-secret'),
      ],
      [
        'another secret',
        (sub) => hmacToken(HS256, claims(sub), 'another-secret-that-is-at-least-32-characters'),
      ],
      [
        'the secret with a character changed',
        (sub) => hmacToken(HS256, claims(sub), `${TEST_JWT_SECRET.slice(0, -1)}X`),
      ],
      ['another issuer', (sub) => hmacToken(HS256, claims(sub, { iss: 'evil' }), TEST_JWT_SECRET)],
      [
        'another audience',
        (sub) => hmacToken(HS256, claims(sub, { aud: 'evil' }), TEST_JWT_SECRET),
      ],
      [
        'no issuer and no audience',
        (sub) => hmacToken(HS256, claims(sub, { iss: undefined, aud: undefined }), TEST_JWT_SECRET),
      ],
      ['no exp', (sub) => hmacToken(HS256, claims(sub, { exp: undefined }), TEST_JWT_SECRET)],
      [
        'exp as a string',
        (sub) =>
          hmacToken(HS256, claims(sub, { exp: String(nowSeconds() + 600) }), TEST_JWT_SECRET),
      ],
      [
        'an expired exp',
        (sub) =>
          hmacToken(
            HS256,
            claims(sub, { iat: nowSeconds() - 700, exp: nowSeconds() - 100 }),
            TEST_JWT_SECRET,
          ),
      ],
      [
        'iat a day ahead',
        (sub) =>
          hmacToken(
            HS256,
            claims(sub, { iat: nowSeconds() + 86_400, exp: nowSeconds() + 87_000 }),
            TEST_JWT_SECRET,
          ),
      ],
      [
        'a lifetime of a year',
        (sub) =>
          hmacToken(HS256, claims(sub, { exp: nowSeconds() + 365 * 86_400 }), TEST_JWT_SECRET),
      ],
      ['a sub of nobody', () => hmacToken(HS256, claims(randomUUID()), TEST_JWT_SECRET)],
      [
        'a nbf in the future',
        (sub) => hmacToken(HS256, claims(sub, { nbf: nowSeconds() + 300 }), TEST_JWT_SECRET),
      ],
      [
        'a fourth segment',
        (sub) =>
          `${hmacToken(HS256, claims(sub), TEST_JWT_SECRET)}.${randomBytes(8).toString('base64url')}`,
      ],
    ];

    it('accepts a well-formed token, with or without an unknown kid: kid never picks a key (control)', async () => {
      for (const header of [
        HS256,
        { ...HS256, kid: '../../../../dev/null' },
        { ...HS256, kid: "1' OR '1'='1" },
      ]) {
        const token = hmacToken(header, claims(user.id), TEST_JWT_SECRET);
        expect(((await me(token).expect(200)).body as { id: string }).id).toBe(user.id);
        expect((await open(token)).connected).toBe(true);
      }
    });

    it.each(forged)(
      'refuses a token with %s: 401 on REST, connect_error on the socket',
      async (_what, build) => {
        const token = build(user.id);
        const res = await me(token);
        expect(res.status).toBe(401);
        expect(res.body).toEqual({
          statusCode: 401,
          error: 'Unauthorized',
          message: expect.any(String),
        });
        await expect(connect(t.url, token)).rejects.toThrow(/^unauthorized$/);
      },
    );

    it('treats a forged token on a public route as no token: no identity, no myVotes', async () => {
      const articleId = await createArticle(t.http, admin);
      const signedIn = await request(t.http)
        .get(`/api/articles/${articleId}`)
        .set(...bearer(user))
        .expect(200);
      expect(signedIn.body).toHaveProperty('myVotes');
      for (const [, build] of forged.slice(0, 6)) {
        const res = await request(t.http)
          .get(`/api/articles/${articleId}`)
          .set('Authorization', `Bearer ${build(user.id)}`)
          .expect(200);
        expect(res.body).not.toHaveProperty('myVotes');
      }
    });
  });

  describe('stolen refresh token', () => {
    const tokensOf = (res: request.Response) =>
      res.body as { accessToken: string; refreshToken: string };

    it('victim refreshes first: the thief’s replay is refused and ends the victim’s chain too, nothing else', async () => {
      const victim = await registerUser(t.http);
      const otherDevice = await login(t.http, victim.username, victim.password);
      const stolen = victim.refreshToken;

      const rotated = tokensOf(await refresh(stolen).expect(200));
      const replay = await refresh(stolen).expect(401);
      expect(replay.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: expect.any(String),
      });
      expect(replay.body).not.toHaveProperty('accessToken');

      // the whole chain is gone: the victim's newest refresh token no longer works either
      await refresh(rotated.refreshToken).expect(401);
      expect(
        await countRows(
          t.database.url,
          'refresh_tokens',
          'family_id = (SELECT family_id FROM refresh_tokens WHERE id = $1) AND revoked_at IS NULL',
          [stolen.split('.')[0]],
        ),
      ).toBe(0);
      // access tokens are stateless: the one already issued lives out its 15 minutes
      await me(rotated.accessToken).expect(200);
      // the victim's other session and a fresh login are unaffected
      await refresh(otherDevice.refreshToken).expect(200);
      const again = await login(t.http, victim.username, victim.password);
      await refresh(again.refreshToken).expect(200);
    });

    it('thief refreshes first: the victim’s next refresh is refused and locks the thief out', async () => {
      const victim = await registerUser(t.http);
      const stolen = victim.refreshToken;

      const thief = tokensOf(await refresh(stolen).expect(200));
      await me(thief.accessToken).expect(200);
      // the victim's client refreshes as usual with the token it holds
      await refresh(stolen).expect(401);
      // the thief's rotated token is dead, and so is every later one
      await refresh(thief.refreshToken).expect(401);
      await refresh(stolen).expect(401);
    });
  });

  describe("a moderator's open socket when banned, unbanned or demoted", () => {
    it('is told why at once, stops getting report.created, and keeps reading', async () => {
      const articleId = await createArticle(t.http, admin);
      const moderator = await userWithRole(t.http, admin, 'moderator');
      const bystander = await registerUser(t.http);
      const reporters = await Promise.all(Array.from({ length: 5 }, () => registerUser(t.http)));
      const target = (await postComment(t.http, bystander, articleId, 'reported a lot').expect(201))
        .body as { id: string };

      const moderatorSocket = await open(moderator.accessToken);
      const adminSocket = await open(admin.accessToken);
      const bystanderSocket = await open(bystander.accessToken);
      await subscribe(moderatorSocket, { articleId });
      const toModerator = record(moderatorSocket, ['report.created', 'session.changed']);
      const toBystander = record(bystanderSocket, ['session.changed']);

      let reports = 0;
      /** Files a report; resolves once the admin's socket has it, so the moderator's had time too. */
      const report = async (): Promise<void> => {
        // the event may arrive before or after the HTTP answer: compare with the count now
        const expected = reports + 1;
        const seen = nextEvent(adminSocket, 'report.created', (e) => e.reportCount === expected);
        await request(t.http)
          .post(`/api/comments/${target.id}/reports`)
          .set(...bearer(reporters[reports]!))
          .send({ reason: 'spam' })
          .expect(201);
        reports += 1;
        await seen;
        await sleep(QUIET_MS);
      };
      const reportCounts = (): number[] =>
        toModerator
          .filter((e) => e.name === 'report.created')
          .map((e) => (e.payload as ReportCreatedEvent).reportCount);
      const changes = (): SessionChangedEvent[] =>
        toModerator
          .filter((e) => e.name === 'session.changed')
          .map((e) => e.payload as SessionChangedEvent);
      const users = `/api/users/${moderator.id}`;
      const ban = (): request.Test =>
        request(t.http)
          .post(`${users}/ban`)
          .set(...bearer(admin))
          .send({ reason: 'abuse of moderation' });
      const unban = (): request.Test =>
        request(t.http)
          .delete(`${users}/ban`)
          .set(...bearer(admin));
      const setRole = (role: string): request.Test =>
        request(t.http)
          .patch(users)
          .set(...bearer(admin))
          .send({ role });

      await report();
      expect(reportCounts()).toEqual([1]);

      // banned: told at once, out of the moderators' room, still a reader of the article
      const banned = nextEvent(moderatorSocket, 'session.changed');
      await ban().expect(200);
      expect(await banned).toEqual({
        reason: 'banned',
        role: 'moderator',
        banned: true,
        message: expect.stringMatching(/banned/),
      });
      await report();
      expect(reportCounts()).toEqual([1]);
      expect(moderatorSocket.connected).toBe(true);
      const live = nextEvent(moderatorSocket, 'comment.created');
      await postComment(t.http, bystander, articleId, 'still readable').expect(201);
      expect((await live).comment.body).toBe('still readable');
      // a new socket of the banned moderator is a reader too; REST refuses the moderator tools
      const lateSocket = await open(moderator.accessToken);
      const toLateSocket = record(lateSocket, ['report.created']);
      await request(t.http)
        .get('/api/moderation/queue')
        .set(...bearer(moderator))
        .expect(403);
      await request(t.http)
        .get(`/api/articles/${articleId}/comments?include=removed`)
        .set(...bearer(moderator))
        .expect(403);

      // unbanned: moderator again
      const unbanned = nextEvent(
        moderatorSocket,
        'session.changed',
        (e) => e.reason === 'unbanned',
      );
      await unban().expect(200);
      expect(await unbanned).toEqual({
        reason: 'unbanned',
        role: 'moderator',
        banned: false,
        message: expect.any(String),
      });
      await report();
      expect(reportCounts()).toEqual([1, 3]);
      expect(toLateSocket.map((e) => (e.payload as ReportCreatedEvent).reportCount)).toEqual([3]);
      await request(t.http)
        .get('/api/moderation/queue')
        .set(...bearer(moderator))
        .expect(200);

      // demoted: told the new role, no more reports
      const demoted = nextEvent(
        moderatorSocket,
        'session.changed',
        (e) => e.reason === 'role_changed',
      );
      await setRole('reader').expect(200);
      expect(await demoted).toEqual({
        reason: 'role_changed',
        role: 'reader',
        banned: false,
        message: expect.stringMatching(/reader/),
      });
      // setting the role it already has changes nothing, so nothing is sent
      await setRole('reader').expect(200);
      await report();
      expect(reportCounts()).toEqual([1, 3]);
      expect(changes().map((change) => change.reason)).toEqual([
        'banned',
        'unbanned',
        'role_changed',
      ]);
      expect(moderatorSocket.connected).toBe(true);
      // only that user's sockets are told
      expect(toBystander).toEqual([]);
    }, 30_000);
  });
});
