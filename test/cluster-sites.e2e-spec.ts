/**
 * Sites across instances (two compiled servers, one database, a test-owned redis-server): a
 * change of a site's origins reaches the other instance's CORS and socket handshake within
 * 5 s through the relay, a revoked API key stops working on the other instance at once, and a
 * count badge watched on one instance follows comments posted through the other.
 */
import request from 'supertest';
import { type Cluster, startCluster } from './support/cluster';
import { connect, nextEvent, type TestSocket } from './support/socket-clients';
import { ADMIN } from './support/test-app';

jest.setTimeout(120_000);

describe('sites across instances', () => {
  let cluster: Cluster;
  let A: string;
  let B: string;
  let adminToken: string;
  let siteId: string;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    cluster = await startCluster(2, {
      TALLY_INTERVAL_MS: '100',
      // long enough that only the change's event can explain a fresh count answer
      COUNTS_CACHE_MS: '30000',
      NODE_ENV: 'production',
      METRICS_PUBLIC: 'true',
    });
    [A, B] = cluster.servers.map((server) => server.url) as [string, string];
    const login = await request(A).post('/api/auth/login').send(ADMIN).expect(200);
    adminToken = (login.body as { accessToken: string }).accessToken;
    const site = await request(A)
      .post('/api/sites')
      .set('Authorization', `Bearer ${adminToken}`)
      .send({ name: 'Publisher', origins: ['https://news.example'] })
      .expect(201);
    siteId = (site.body as { id: string }).id;
  });
  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    await cluster?.close();
  });

  /** Polls until `check` holds; how long that took. */
  async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
    const started = Date.now();
    for (;;) {
      if (await check()) return Date.now() - started;
      if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it("takes a site's new origin on the other instance within 5 s, for CORS and for the socket handshake", async () => {
    const origin = 'https://new-front.example';
    const allowedOn = async (url: string): Promise<boolean> =>
      (await request(url).get('/api/articles').set('Origin', origin)).headers[
        'access-control-allow-origin'
      ] === origin;
    expect(await allowedOn(B)).toBe(false);
    await expect(connect(B, undefined, { origin })).rejects.toThrow();

    await request(A)
      .patch(`/api/sites/${siteId}`)
      .set('Authorization', `Bearer ${adminToken}`)
      .send({ origins: ['https://news.example', origin] })
      .expect(200);
    const took = await within(5_000, () => allowedOn(B));
    expect(took).toBeLessThan(5_000);
    const socket = await connect(B, undefined, { origin });
    sockets.push(socket);
    expect(socket.connected).toBe(true);

    // and taken away again the same way
    await request(A)
      .patch(`/api/sites/${siteId}`)
      .set('Authorization', `Bearer ${adminToken}`)
      .send({ origins: [] })
      .expect(200);
    await within(5_000, async () => !(await allowedOn(B)));
    await expect(connect(B, undefined, { origin })).rejects.toThrow();
  });

  it('refuses a key revoked through one instance on the other at once', async () => {
    const made = await request(A)
      .post(`/api/sites/${siteId}/keys`)
      .set('Authorization', `Bearer ${adminToken}`)
      .send({ name: 'CMS' })
      .expect(201);
    const { id, key } = made.body as { id: string; key: string };
    const put = (url: string, externalId: string): request.Test =>
      request(url)
        .put(`/api/sites/${siteId}/articles/${externalId}`)
        .set('Authorization', `Bearer ${key}`)
        .send({ title: 'Story', category: 'News' });
    await put(B, 'before-revoke').expect(201);
    await request(A)
      .delete(`/api/sites/${siteId}/keys/${id}`)
      .set('Authorization', `Bearer ${adminToken}`)
      .expect(204);
    await put(B, 'after-revoke').expect(401);
  });

  it('sends count on one instance for a comment posted through the other, and its counts answer is fresh at once', async () => {
    const created = await request(A)
      .put(`/api/sites/${siteId}/articles/cross-count`)
      .set('Authorization', `Bearer ${adminToken}`)
      .send({ title: 'Story', category: 'News' })
      .expect(201);
    const articleId = (created.body as { id: string }).id;
    const watcher = await connect(B);
    sockets.push(watcher);
    const ack = await watcher
      .timeout(5_000)
      .emitWithAck('watch', { siteId, externalIds: ['cross-count'] });
    expect(ack).toMatchObject({ ok: true, counts: { 'cross-count': { commentCount: 0 } } });
    const counts = () => request(B).get(`/api/sites/${siteId}/counts?ids=cross-count`).expect(200);
    // B now holds this answer (COUNTS_CACHE_MS above)
    expect((await counts()).body).toMatchObject({ counts: { 'cross-count': { commentCount: 0 } } });
    const register = await request(A)
      .post('/api/auth/register')
      .send({ username: `w_${Date.now()}`, password: 'password-123' })
      .expect(201);
    const count = nextEvent(watcher, 'count', (e) => e.commentCount === 1, 10_000);
    await request(A)
      .post(`/api/articles/${articleId}/comments`)
      .set('Authorization', `Bearer ${(register.body as { accessToken: string }).accessToken}`)
      .send({ body: 'from A' })
      .expect(201);
    expect(await count).toMatchObject({ siteId, externalId: 'cross-count', commentCount: 1 });
    expect((await counts()).body).toMatchObject({ counts: { 'cross-count': { commentCount: 1 } } });
  });
});
