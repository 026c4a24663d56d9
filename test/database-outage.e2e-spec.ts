import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import request from 'supertest';
import {
  bearer,
  countRows,
  createArticle,
  loginAdmin,
  registerUser,
  type TestUser,
} from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';
import { query, TEST_DATABASE_URL } from './support/test-database';

/** Every backend of the app's database, dropped as a restart or failover would. */
async function terminateBackends(t: TestApp): Promise<number> {
  const rows = await query<{ terminated: boolean }>(
    TEST_DATABASE_URL,
    'SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [t.database.name],
  );
  return rows.filter((row) => row.terminated).length;
}

describe('PostgreSQL outage', () => {
  let t: TestApp;
  let admin: TestUser;
  let reader: TestUser;
  let articleId: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t.http);
    reader = await registerUser(t.http);
    articleId = await createArticle(t.http, admin);
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  it('answers 2xx or 503 (never 500) while backends are terminated, loses no acknowledged write, and logs the dead connections in the structured log', async () => {
    const tag = randomBytes(4).toString('hex');
    const post = (i: number): request.Test =>
      request(t.http)
        .post(`/api/articles/${articleId}/comments`)
        .set(...bearer(reader))
        .send({ body: `burst ${tag} #${i}` });

    // knex reports each dead pooled connection it finds; that must reach the structured log
    const warnings = jest.spyOn(Logger.prototype, 'warn');
    const consoleLines = jest.spyOn(console, 'log');
    let terminated = 0;
    const responses: request.Response[] = [];
    for (let round = 0; round < 4; round++) {
      const burst = Array.from({ length: 25 }, (_, i) => post(round * 25 + i));
      // kill every connection while the burst is in flight
      await new Promise((resolve) => setTimeout(resolve, 5 + round * 5));
      terminated += await terminateBackends(t);
      responses.push(...(await Promise.all(burst)));
    }

    const statuses = responses.map((res) => res.status);
    const acknowledged = responses.filter((res) => res.status === 201);
    const unavailable = responses.filter((res) => res.status === 503);
    console.log(
      `outage: ${terminated} backends terminated; ${acknowledged.length} writes acknowledged, ${unavailable.length} answered 503`,
    );
    expect(terminated).toBeGreaterThan(0);
    const odd = responses.filter((res) => res.status !== 201 && res.status !== 503);
    expect(odd.map((res) => `${res.status} ${res.text}`)).toEqual([]);
    expect(statuses.every((status) => status === 201 || status === 503)).toBe(true);
    for (const res of unavailable) {
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'database unavailable; try again',
      });
    }

    // every acknowledged write is stored; nothing unacknowledged is invented
    const ids = acknowledged.map((res) => (res.body as { id: string }).id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(await countRows(t.database.url, 'comments', 'id = ANY($1::uuid[])', [ids])).toBe(
      ids.length,
    );
    expect(await countRows(t.database.url, 'comments', 'body LIKE $1', [`burst ${tag} %`])).toBe(
      ids.length,
    );

    // and the server keeps working
    for (let i = 0; i < 5; i++) {
      await post(1000 + i).expect(201);
      await request(t.http).get(`/api/articles/${articleId}`).expect(200);
    }

    const knexLines = (calls: unknown[][]): unknown[][] =>
      calls.filter(([message]) => String(message).startsWith('Connection Error'));
    expect(knexLines(warnings.mock.calls).length).toBeGreaterThan(0);
    expect(knexLines(consoleLines.mock.calls)).toEqual([]);
  });
});
