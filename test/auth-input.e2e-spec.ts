/**
 * Bad input around authentication that Node or a lenient parser would let through: refresh
 * tokens with control characters or lone surrogates, two Authorization headers (Node keeps
 * only the first), and words after the Bearer token.
 */
import { connect as tcpConnect } from 'node:net';
import request from 'supertest';
import { bearer, registerUser, type TestUser } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';

/** One raw HTTP/1.1 request (headers exactly as given, duplicates kept); the status line's code. */
function rawStatus(url: string, lines: string[]): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(Number(port), hostname, () => {
      socket.write(`${lines.join('\r\n')}\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

describe('authentication input', () => {
  let t: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    t = await startTestApp({}, { listen: true });
    user = await registerUser(t.http);
  });
  afterAll(() => t.close());

  it.each([
    ['a NUL', 'abc\u0000def'],
    ['a control character', 'abc\u0007def'],
    ['a lone surrogate', 'abc\ud800def'],
    ['a space', 'abc def'],
    ['non-ASCII', 'abcé'],
  ])('answers logout and refresh with a refresh token containing %s: 400', async (_name, token) => {
    for (const path of ['/api/auth/logout', '/api/auth/refresh']) {
      const res = await request(t.http).post(path).send({ refreshToken: token });
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.body).toMatchObject({
        statusCode: 400,
        message: [expect.stringMatching(/refreshToken/)],
      });
    }
    // the session it did not name still works (and moves on to its next refresh token)
    const refreshed = await request(t.http)
      .post('/api/auth/refresh')
      .send({ refreshToken: user.refreshToken })
      .expect(200);
    user = { ...user, ...(refreshed.body as Pick<TestUser, 'accessToken' | 'refreshToken'>) };
  });

  it('answers two Authorization headers with 400, on protected and public routes alike', async () => {
    const auth = `Authorization: Bearer ${user.accessToken}`;
    expect(await rawStatus(t.url, ['GET /api/auth/me HTTP/1.1', auth])).toBe(200);
    expect(await rawStatus(t.url, ['GET /api/auth/me HTTP/1.1', auth, auth])).toBe(400);
    expect(
      await rawStatus(t.url, ['GET /api/auth/me HTTP/1.1', auth, 'authorization: Bearer other']),
    ).toBe(400);
    expect(await rawStatus(t.url, ['GET /api/articles HTTP/1.1', auth, auth])).toBe(400);
  });

  it.each([
    ['words after the token', (token: string) => `Bearer ${token} extra`],
    ['two spaces', (token: string) => `Bearer  ${token}`],
    ['another scheme', (token: string) => `Basic ${token}`],
    ['no token', () => 'Bearer'],
  ])(
    'answers an Authorization header with %s: 401 where a login is needed, anonymous where not',
    async (_name, header) => {
      const value = header(user.accessToken);
      const me = await request(t.http).get('/api/auth/me').set('Authorization', value);
      expect(me.status).toBe(401);
      await request(t.http).get('/api/articles').set('Authorization', value).expect(200);
      await request(t.http)
        .get('/api/auth/me')
        .set(...bearer(user))
        .expect(200);
    },
  );
});
