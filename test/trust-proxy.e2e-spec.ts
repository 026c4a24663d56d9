/**
 * TRUST_PROXY: behind a reverse proxy every client's TCP peer is the proxy. With the proxy
 * trusted, the per-address login limit and the per-address socket cap count the address its
 * X-Forwarded-For names; without it (the default) the header changes nothing, so a client
 * cannot escape a limit by sending one.
 */
import { io } from 'socket.io-client';
import request from 'supertest';
import { createArticle, loginAdmin, postComment, registerUser } from './support/factories';
import { subscribe, type TestSocket } from './support/socket-clients';
import { startTestApp, type TestApp } from './support/test-app';

jest.setTimeout(60_000);

const LIMITS = {
  RATE_LIMITS: 'on',
  RATE_LIMIT_LOGIN_IP: '2/1m',
  SOCKET_MAX_CONNECTIONS_PER_IP: '1',
  // replay bytes per second per address: 4 KiB, less than one replay of REPLAYED comments
  SOCKET_REPLAY_RATE_PER_IP: String(4 * 1024),
};
const REPLAYED = 8;

/** Two failed logins, then the third, from a client the proxy names `address`. */
async function thirdLogin(t: TestApp, address: string): Promise<number> {
  const attempt = () =>
    request(t.http)
      .post('/api/auth/login')
      .set('X-Forwarded-For', address)
      .send({ username: 'nobody_here', password: 'wrong-password' });
  await attempt().expect(401);
  await attempt().expect(401);
  return (await attempt()).status;
}

function connectAs(url: string, address: string): Promise<TestSocket> {
  const socket: TestSocket = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: { 'X-Forwarded-For': address },
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

describe('TRUST_PROXY=loopback (the app behind a proxy on the same host)', () => {
  let t: TestApp;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    t = await startTestApp({ ...LIMITS, TRUST_PROXY: 'loopback' }, { listen: true });
  });
  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    await t?.close();
  });

  it('limits logins per forwarded client address, not per proxy', async () => {
    expect(await thirdLogin(t, '203.0.113.7')).toBe(429);
    // another reader behind the same proxy still gets in
    const other = await request(t.http)
      .post('/api/auth/login')
      .set('X-Forwarded-For', '203.0.113.8')
      .send({ username: 'nobody_here', password: 'wrong-password' });
    expect(other.status).toBe(401);
  });

  it('caps sockets per forwarded client address', async () => {
    sockets.push(await connectAs(t.url, '198.51.100.1'));
    sockets.push(await connectAs(t.url, '198.51.100.2'));
    await expect(connectAs(t.url, '198.51.100.1')).rejects.toThrow();
  });

  it('charges replays to the forwarded client address', async () => {
    const articleId = await createArticle(t.http, await loginAdmin(t.http));
    const author = await registerUser(t.http);
    for (let i = 0; i < REPLAYED; i++) {
      await postComment(t.http, author, articleId, `${i} ${'x'.repeat(1_000)}`).expect(201);
    }
    const first = await connectAs(t.url, '192.0.2.10');
    sockets.push(first);
    const replayed = await subscribe(first, { articleId, since: 0 });
    expect(replayed.ok && replayed.missed.length).toBe(REPLAYED);
    await subscribe(first, { articleId }).then(() =>
      first.timeout(10_000).emitWithAck('unsubscribe', { articleId }),
    );
    // the same client again: its address's rate is spent
    const again = await subscribe(first, { articleId, since: 0 });
    expect(again).toEqual({
      ok: false,
      error: { code: 'rate_limited', message: expect.stringContaining('address rate') },
    });
    // another reader behind the same proxy replays at once
    const other = await connectAs(t.url, '192.0.2.11');
    sockets.push(other);
    const theirs = await subscribe(other, { articleId, since: 0 });
    expect(theirs.ok && theirs.missed.length).toBe(REPLAYED);
  });
});

describe('without TRUST_PROXY (the default)', () => {
  let t: TestApp;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    t = await startTestApp(LIMITS, { listen: true });
  });
  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    await t?.close();
  });

  it('ignores X-Forwarded-For: a client cannot dodge the login limit by naming another address', async () => {
    await request(t.http)
      .post('/api/auth/login')
      .set('X-Forwarded-For', '203.0.113.1')
      .send({ username: 'nobody_here', password: 'wrong-password' })
      .expect(401);
    await request(t.http)
      .post('/api/auth/login')
      .set('X-Forwarded-For', '203.0.113.2')
      .send({ username: 'nobody_here', password: 'wrong-password' })
      .expect(401);
    const third = await request(t.http)
      .post('/api/auth/login')
      .set('X-Forwarded-For', '203.0.113.3')
      .send({ username: 'nobody_here', password: 'wrong-password' });
    expect(third.status).toBe(429);
  });

  it('ignores X-Forwarded-For for the socket cap', async () => {
    sockets.push(await connectAs(t.url, '198.51.100.1'));
    await expect(connectAs(t.url, '198.51.100.2')).rejects.toThrow();
  });
});
