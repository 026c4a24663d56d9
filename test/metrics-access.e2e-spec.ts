/**
 * Who may read GET /metrics (README "Configuration": METRICS_TOKEN, METRICS_PUBLIC): open in
 * development and test, a bearer token when METRICS_TOKEN is set, and in production without
 * either nothing at all — the answer of a route that does not exist.
 */
import request from 'supertest';
import { registerUser } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';

const TOKEN = 'metrics-scrape-token-0123456789';
const PROMETHEUS_TEXT = /^# HELP townhall_http_request_duration_seconds /m;

function expectMetrics(res: request.Response): void {
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain;.*\bversion=0\.0\.4\b/);
  expect(res.text).toMatch(PROMETHEUS_TEXT);
}

describe('GET /metrics access', () => {
  const apps: TestApp[] = [];
  async function start(env: Record<string, string>): Promise<TestApp> {
    const t = await startTestApp(env);
    apps.push(t);
    return t;
  }
  afterAll(() => Promise.all(apps.map((t) => t.close())));

  it('is open by default outside production (the test environment included)', async () => {
    const t = await start({});
    expectMetrics(await request(t.http).get('/metrics'));
  });

  it('in production without METRICS_TOKEN answers exactly as an unknown route does', async () => {
    const t = await start({ NODE_ENV: 'production' });
    const metrics = await request(t.http).get('/metrics');
    const unknown = await request(t.http).get('/no-such-route');

    expect(metrics.status).toBe(404);
    expect(metrics.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Cannot GET /metrics',
    });
    expect(unknown.body).toEqual({ ...metrics.body, message: 'Cannot GET /no-such-route' });
    expect(metrics.text).not.toMatch(/townhall_/);
  });

  it('in production with METRICS_PUBLIC=true is open', async () => {
    const t = await start({ NODE_ENV: 'production', METRICS_PUBLIC: 'true' });
    expectMetrics(await request(t.http).get('/metrics'));
  });

  describe('with METRICS_TOKEN', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await start({ NODE_ENV: 'production', METRICS_TOKEN: TOKEN });
    });

    it('answers the bearer token (any case of "Bearer") with the metrics', async () => {
      expectMetrics(await request(t.http).get('/metrics').set('Authorization', `Bearer ${TOKEN}`));
      expectMetrics(await request(t.http).get('/metrics').set('Authorization', `bearer ${TOKEN}`));
    });

    it.each([
      ['no Authorization header', undefined],
      ['another token', `Bearer ${TOKEN.slice(0, -1)}x`],
      ['the token with a suffix', `Bearer ${TOKEN}x`],
      ['the token as Basic credentials', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`],
      ['the bare token', TOKEN],
    ])('answers 401 with WWW-Authenticate for %s', async (_case, authorization) => {
      const call = request(t.http).get('/metrics');
      const res = await (authorization === undefined
        ? call
        : call.set('Authorization', authorization));

      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(res.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: expect.stringContaining('metrics token'),
      });
      expect(res.text).not.toMatch(/townhall_/);
    });

    it("refuses a user's valid access token: only the metrics token opens it", async () => {
      const user = await registerUser(t.http);
      const res = await request(t.http)
        .get('/metrics')
        .set('Authorization', `Bearer ${user.accessToken}`);

      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    });
  });
});
