import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { bearer, createArticle, loginAdmin, registerUser } from './support/factories';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app';
import { query } from './support/test-database';

const run = promisify(execFile);
const CLI = resolve(__dirname, '../dist/src/votes/tallies-check.cli.js');

/** `npm run tallies:check`: the compiled command, against this file's database. */
async function talliesCheck(
  databaseUrl: string,
  ...args: string[]
): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, JWT_SECRET: TEST_JWT_SECRET },
    });
    return { code: 0, out: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, out: failed.stdout };
  }
}

describe('tallies:check', () => {
  let t: TestApp;
  let articleId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const admin = await loginAdmin(t.http);
    articleId = await createArticle(t.http, admin, {
      category: 'News',
      title: 'Counted',
      keyTakeaways: [],
      followUps: [],
    });
    for (const value of ['up', 'up', 'down']) {
      const user = await registerUser(t.http);
      await request(t.http)
        .put(`/api/articles/${articleId}/votes/interesting`)
        .set(...bearer(user))
        .send({ value })
        .expect(200);
    }
  });
  afterAll(() => t.close());

  it('reports no drift when the counters match the votes', async () => {
    const result = await talliesCheck(t.database.url);
    expect(result.code).toBe(0);
    expect(result.out).toContain('0 with drift');
  });

  it('reports drift with exit code 1, and --fix restores the recount', async () => {
    await query(
      t.database.url,
      'UPDATE articles SET interesting_up = 40, support_down = 2 WHERE id = $1',
      [articleId],
    );
    const found = await talliesCheck(t.database.url);
    expect(found.code).toBe(1);
    expect(found.out).toContain('interesting_up stored 40 counted 2');
    expect(found.out).toContain('support_down stored 2 counted 0');

    const fixed = await talliesCheck(t.database.url, '--fix');
    expect(fixed.code).toBe(0);
    expect(fixed.out).toContain('fixed 1 article(s)');

    const article = await request(t.http).get(`/api/articles/${articleId}`).expect(200);
    expect((article.body as { tallies: unknown }).tallies).toEqual({
      interesting: { up: 2, down: 1 },
      support: { up: 0, down: 0 },
    });
    expect((await talliesCheck(t.database.url)).code).toBe(0);
  });
});
