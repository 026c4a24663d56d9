import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { bearer, loginAdmin, postComment, registerUser, type TestUser } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';
import { query } from './support/test-database';
import { until } from './support/until';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

interface Delivery {
  id: string;
  event: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
}

async function siteWithArticle(
  t: TestApp,
  admin: TestUser,
  externalId = 'story-1',
): Promise<{ siteId: string; articleId: string }> {
  const site = await request(t.http)
    .post('/api/sites')
    .set(...bearer(admin))
    .send({ name: 'Example', origins: ['https://news.example'] })
    .expect(201);
  const siteId = (site.body as { id: string }).id;
  const article = await request(t.http)
    .put(`/api/sites/${siteId}/articles/${externalId}`)
    .set(...bearer(admin))
    .send({ title: 'A story', category: 'News' })
    .expect(201);
  return { siteId, articleId: (article.body as { id: string }).id };
}

function createWebhook(t: TestApp, admin: TestUser, siteId: string, body: unknown): request.Test {
  return request(t.http)
    .post(`/api/sites/${siteId}/webhooks`)
    .set(...bearer(admin))
    .send(body as object);
}

async function deliveries(
  t: TestApp,
  admin: TestUser,
  siteId: string,
  webhookId: string,
): Promise<Delivery[]> {
  const res = await request(t.http)
    .get(`/api/sites/${siteId}/webhooks/${webhookId}/deliveries`)
    .set(...bearer(admin))
    .expect(200);
  return (res.body as { items: Delivery[] }).items;
}

describe('webhooks: signed deliveries with retries (private URLs allowed)', () => {
  let t: TestApp;
  let admin: TestUser;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE_MS: '50' });
    admin = await loginAdmin(t.http);
    receiver = await startWebhookReceiver();
  });

  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('500 then 200: the same webhook-id twice, signed, and the log says delivered after 2 attempts', async () => {
    const { siteId, articleId } = await siteWithArticle(t, admin);
    const created = await createWebhook(t, admin, siteId, {
      url: `${receiver.url}/hook`,
      events: ['comment.created'],
    }).expect(201);
    const hook = created.body as { id: string; secret: string; url: string; events: string[] };
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    expect(hook.events).toEqual(['comment.created']);
    receiver.received.length = 0;
    receiver.answers = [500, 200];

    // a comment on an article of no site sends nothing
    const other = await request(t.http)
      .post('/api/articles')
      .set(...bearer(admin))
      .send({ category: 'x', title: 'No site', keyTakeaways: [], followUps: [] })
      .expect(201);
    const reader = await registerUser(t.http);
    await postComment(t.http, reader, (other.body as { id: string }).id, 'elsewhere').expect(201);
    const comment = await postComment(t.http, reader, articleId, 'hello <b>hooks</b>').expect(201);

    await until('two attempts arrived', () => receiver.received.length >= 2);
    const [first, second] = receiver.received;
    expect(first!.headers['webhook-id']).toBe(second!.headers['webhook-id']);
    expect(second!.body).toBe(first!.body);
    for (const attempt of [first!, second!]) {
      expect(attempt.headers['webhook-signature']).toMatch(/^v1,/);
      const payload = new Webhook(hook.secret).verify(attempt.body, {
        'webhook-id': attempt.headers['webhook-id'] as string,
        'webhook-timestamp': attempt.headers['webhook-timestamp'] as string,
        'webhook-signature': attempt.headers['webhook-signature'] as string,
      });
      expect(payload).toMatchObject({
        type: 'comment.created',
        data: {
          siteId,
          articleId,
          externalId: 'story-1',
          comment: { id: (comment.body as { id: string }).id, body: 'hello <b>hooks</b>' },
        },
      });
    }

    await until('the log says delivered', async () => {
      const [delivery] = await deliveries(t, admin, siteId, hook.id);
      return delivery?.status === 'delivered';
    });
    const log = await deliveries(t, admin, siteId, hook.id);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      id: first!.headers['webhook-id'],
      event: 'comment.created',
      status: 'delivered',
      attempts: 2,
      lastStatusCode: 200,
      nextAttemptAt: null,
    });

    // a manual retry sends it once more, under the same id
    await request(t.http)
      .post(`/api/sites/${siteId}/webhooks/${hook.id}/deliveries/${log[0]!.id}/retry`)
      .set(...bearer(admin))
      .expect(202);
    await until('the retry arrived', () => receiver.received.length >= 3);
    expect(receiver.received[2]!.headers['webhook-id']).toBe(log[0]!.id);
    await until('the retry is logged', async () => {
      const [delivery] = await deliveries(t, admin, siteId, hook.id);
      return delivery?.attempts === 3 && delivery.status === 'delivered';
    });
  });

  it('a day of failures disables the webhook with the reason; redirects are not followed', async () => {
    const { siteId, articleId } = await siteWithArticle(t, admin, 'story-2');
    const failing = await startWebhookReceiver([302]);
    try {
      const created = await createWebhook(t, admin, siteId, {
        url: `${failing.url}/hook`,
        events: ['comment.created', 'comment.removed'],
      }).expect(201);
      const hookId = (created.body as { id: string }).id;
      await query(
        t.database.url,
        "UPDATE webhooks SET failing_since = now() - interval '25 hours' WHERE id = $1",
        [hookId],
      );
      const reader = await registerUser(t.http);
      await postComment(t.http, reader, articleId, 'into the void').expect(201);

      await until('the delivery failed', async () => {
        const [delivery] = await deliveries(t, admin, siteId, hookId);
        return delivery?.status === 'failed';
      });
      const [delivery] = await deliveries(t, admin, siteId, hookId);
      expect(delivery).toMatchObject({ attempts: 1, lastStatusCode: 302, nextAttemptAt: null });
      expect(failing.received.map((r) => r.path)).toEqual(['/hook']);

      const list = await request(t.http)
        .get(`/api/sites/${siteId}/webhooks`)
        .set(...bearer(admin))
        .expect(200);
      const [hook] = (list.body as { items: Record<string, unknown>[] }).items;
      expect(hook).toMatchObject({ id: hookId, enabled: false });
      expect(hook!.disabledReason).toMatch(/failed since .*HTTP 302/);
      expect(hook).not.toHaveProperty('secret');
    } finally {
      await failing.close();
    }
  });

  it('deletes a webhook; unknown ids are 404', async () => {
    const { siteId } = await siteWithArticle(t, admin, 'story-3');
    const created = await createWebhook(t, admin, siteId, {
      url: `${receiver.url}/x`,
      events: ['report.created'],
    }).expect(201);
    const hookId = (created.body as { id: string }).id;
    const base = `/api/sites/${siteId}/webhooks`;
    const unknown = '00000000-0000-4000-8000-000000000000';
    await request(t.http)
      .get(`${base}/${unknown}/deliveries`)
      .set(...bearer(admin))
      .expect(404);
    await request(t.http)
      .post(`${base}/${hookId}/deliveries/${unknown}/retry`)
      .set(...bearer(admin))
      .expect(404);
    await request(t.http)
      .delete(`${base}/${hookId}`)
      .set(...bearer(admin))
      .expect(204);
    await request(t.http)
      .delete(`${base}/${hookId}`)
      .set(...bearer(admin))
      .expect(404);
    await request(t.http)
      .get(`/api/sites/${unknown}/webhooks`)
      .set(...bearer(admin))
      .expect(404);
  });
});

describe('webhooks: validation and the SSRF guard (defaults)', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_RETRY_BASE_MS: '600000' });
    admin = await loginAdmin(t.http);
  });

  afterAll(() => t.close());

  it('refuses bad URLs and event names with a 400, and non-admins', async () => {
    const { siteId } = await siteWithArticle(t, admin);
    const bad: unknown[] = [
      { url: 'http://example.com/hook', events: ['comment.created'] },
      { url: 'https://127.0.0.1/hook', events: ['comment.created'] },
      { url: 'https://[::1]/hook', events: ['comment.created'] },
      { url: 'https://10.1.2.3/hook', events: ['comment.created'] },
      { url: 'https://169.254.169.254/latest', events: ['comment.created'] },
      { url: 'not a url', events: ['comment.created'] },
      { url: 'https://user:pw@example.com/', events: ['comment.created'] },
      { url: 'https://example.com/hook', events: ['comment.exploded'] },
      { url: 'https://example.com/hook', events: [] },
      { url: 'https://example.com/hook', events: ['comment.created', 'comment.created'] },
      { url: 'https://example.com/hook' },
      { url: 'https://example.com/hook', events: ['comment.created'], extra: 1 },
    ];
    for (const body of bad) {
      const res = await createWebhook(t, admin, siteId, body);
      expect([res.status, body]).toEqual([400, body]);
    }
    const reader = await registerUser(t.http);
    await createWebhook(t, reader, siteId, {
      url: 'https://example.com/hook',
      events: ['comment.created'],
    }).expect(403);
    const list = await request(t.http)
      .get(`/api/sites/${siteId}/webhooks`)
      .set(...bearer(admin))
      .expect(200);
    expect((list.body as { items: unknown[] }).items).toEqual([]);
  });

  it('a name that resolves to a loopback address is refused at delivery', async () => {
    const { siteId, articleId } = await siteWithArticle(t, admin, 'story-ssrf');
    const created = await createWebhook(t, admin, siteId, {
      url: 'https://localhost/hook',
      events: ['comment.created'],
    }).expect(201);
    const hookId = (created.body as { id: string }).id;
    const reader = await registerUser(t.http);
    await postComment(t.http, reader, articleId, 'to localhost?').expect(201);
    await until('the attempt is logged', async () => {
      const [delivery] = await deliveries(t, admin, siteId, hookId);
      return (delivery?.attempts ?? 0) >= 1;
    });
    const [delivery] = await deliveries(t, admin, siteId, hookId);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null });
    expect(delivery!.lastError).toMatch(/not a public address/);
  });
});
