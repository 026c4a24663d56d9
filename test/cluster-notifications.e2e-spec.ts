/**
 * Notifications and webhooks with compiled servers: a notification reaches the user's sockets on
 * both instances, and a change committed while its activity was not yet acted on survives a
 * SIGKILL of the server (started again: the webhook arrives once, the notification is there).
 */
import { Client } from 'pg';
import request from 'supertest';
import { type Cluster, startCluster } from './support/cluster';
import { killAllServers, startServer } from './support/server-process';
import { connect, nextEvent, type TestSocket } from './support/socket-clients';
import { ADMIN, TEST_JWT_SECRET } from './support/test-app';
import { createTestDatabase, query, type TestDatabase } from './support/test-database';
import { until } from './support/until';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

jest.setTimeout(120_000);

async function token(
  url: string,
  username: string,
  password: string,
): Promise<{ id: string; accessToken: string }> {
  const res = await request(url).post('/api/auth/login').send({ username, password }).expect(200);
  const body = res.body as { user: { id: string }; accessToken: string };
  return { id: body.user.id, accessToken: body.accessToken };
}

async function register(
  url: string,
  username: string,
): Promise<{ id: string; accessToken: string }> {
  await request(url)
    .post('/api/auth/register')
    .send({ username, password: 'password-123' })
    .expect(201);
  return token(url, username, 'password-123');
}

describe('notifications across two instances', () => {
  let cluster: Cluster;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    cluster = await startCluster(2);
  });
  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    await cluster?.close();
  });

  it('a reply posted on A reaches the parent author’s sockets on A and on B', async () => {
    const [A, B] = cluster.servers.map((server) => server.url) as [string, string];
    const admin = await token(A, ADMIN.username, ADMIN.password);
    const article = await request(A)
      .post('/api/articles')
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .send({ category: 'x', title: 'Cluster notifications', keyTakeaways: [], followUps: [] })
      .expect(201);
    const articleId = (article.body as { id: string }).id;
    const alice = await register(A, 'alice_cluster');
    const bob = await register(B, 'bob_cluster');
    const onA = await connect(A, alice.accessToken);
    const onB = await connect(B, alice.accessToken);
    sockets.push(onA, onB);
    const parent = await request(B)
      .post(`/api/articles/${articleId}/comments`)
      .set('Authorization', `Bearer ${alice.accessToken}`)
      .send({ body: 'parent' })
      .expect(201);
    const seen = [nextEvent(onA, 'notification'), nextEvent(onB, 'notification')];
    const reply = await request(A)
      .post(`/api/articles/${articleId}/comments`)
      .set('Authorization', `Bearer ${bob.accessToken}`)
      .send({ body: 'reply from A', parentId: (parent.body as { id: string }).id })
      .expect(201);
    const [a, b] = await Promise.all(seen);
    expect(a!.notification).toMatchObject({
      type: 'reply',
      comment: { id: (reply.body as { id: string }).id },
    });
    expect(b!.notification.id).toBe(a!.notification.id);
  });
});

describe('a SIGKILL between COMMIT and the work loses nothing', () => {
  let database: TestDatabase;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    database = await createTestDatabase();
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await killAllServers();
    await receiver.close();
    await database.drop();
  });

  it('started again, the server delivers the webhook once and the notification is there', async () => {
    const env = {
      DATABASE_URL: database.url,
      JWT_SECRET: TEST_JWT_SECRET,
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      RATE_LIMITS: 'off',
      LOG_LEVEL: 'warn',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_BASE_MS: '100',
    };
    const first = await startServer(env);
    const url = first.url;
    const admin = await token(url, ADMIN.username, ADMIN.password);
    const auth = ['Authorization', `Bearer ${admin.accessToken}`] as const;
    const site = await request(url)
      .post('/api/sites')
      .set(...auth)
      .send({ name: 'Publisher', origins: ['https://news.example'] })
      .expect(201);
    const siteId = (site.body as { id: string }).id;
    const article = await request(url)
      .put(`/api/sites/${siteId}/articles/crash-story`)
      .set(...auth)
      .send({ title: 'Crash', category: 'News' })
      .expect(201);
    const articleId = (article.body as { id: string }).id;
    const hook = await request(url)
      .post(`/api/sites/${siteId}/webhooks`)
      .set(...auth)
      .send({ url: `${receiver.url}/hook`, events: ['comment.created'] })
      .expect(201);
    const webhookId = (hook.body as { id: string }).id;
    const alice = await register(url, 'alice_crash');
    const bob = await register(url, 'bob_crash');
    const parent = await request(url)
      .post(`/api/articles/${articleId}/comments`)
      .set('Authorization', `Bearer ${alice.accessToken}`)
      .send({ body: 'parent' })
      .expect(201);
    await until('the parent was delivered', () => receiver.received.length === 1);

    // The test holds the webhooks table: the reply commits (posting never reads webhooks), but
    // the server's drain of its activity waits on the lock, so the server dies after COMMIT and
    // before any notification, delivery or job exists.
    const blocker = new Client({ connectionString: database.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE webhooks IN ACCESS EXCLUSIVE MODE');
      const reply = await request(url)
        .post(`/api/articles/${articleId}/comments`)
        .set('Authorization', `Bearer ${bob.accessToken}`)
        .send({ body: 'reply before the crash', parentId: (parent.body as { id: string }).id })
        .expect(201);
      const replyId = (reply.body as { id: string }).id;
      await until('the drain waits on the lock', async () => {
        const rows = await query<{ waiting: number }>(
          database.url,
          `SELECT count(*)::int AS waiting FROM pg_locks
            WHERE relation = 'webhooks'::regclass AND NOT granted`,
        );
        return rows[0]!.waiting > 0;
      });
      first.kill();
      await first.exited;
      await blocker.query('ROLLBACK');

      expect(await query(database.url, 'SELECT 1 FROM notifications')).toEqual([]);
      expect(
        await query(database.url, 'SELECT 1 FROM webhook_deliveries WHERE payload LIKE $1', [
          `%${replyId}%`,
        ]),
      ).toEqual([]);

      const second = await startServer(env);
      await until('the reply was delivered', () => receiver.received.length === 2);
      const delivered = receiver.received[1]!;
      expect(JSON.parse(delivered.body)).toMatchObject({ data: { comment: { id: replyId } } });
      await until('the log says delivered', async () => {
        const rows = await query<{ status: string }>(
          database.url,
          'SELECT status FROM webhook_deliveries WHERE webhook_id = $1 AND payload LIKE $2',
          [webhookId, `%${replyId}%`],
        );
        return rows.length === 1 && rows[0]!.status === 'delivered';
      });
      const aliceAgain = await token(second.url, 'alice_crash', 'password-123');
      const inbox = await request(second.url)
        .get('/api/notifications')
        .set('Authorization', `Bearer ${aliceAgain.accessToken}`)
        .expect(200);
      expect((inbox.body as { items: { comment: { id: string } }[] }).items).toEqual([
        expect.objectContaining({
          type: 'reply',
          comment: expect.objectContaining({ id: replyId }),
        }),
      ]);
      // once: the parent and the reply, no second attempt of either
      const ids = receiver.received.map((r) => r.headers['webhook-id']);
      expect(new Set(ids).size).toBe(2);
      expect(receiver.received).toHaveLength(2);
      await second.stop();
    } finally {
      await blocker.end();
    }
  });
});
