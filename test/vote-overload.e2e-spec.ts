/**
 * Overload: an article's row lock held from a second connection for 10 s while 2,000 votes arrive.
 * The vote queue is bounded (VOTE_QUEUE_LIMIT): past it, votes are answered 503 with
 * Retry-After at once; the server stays up and answers /health/live; once the lock is released
 * every acknowledged vote is stored and the tallies equal a recount.
 */
import { randomUUID } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import { Client } from 'pg';
import { createArticle, loginAdmin } from './support/factories';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app';
import { query } from './support/test-database';

const QUEUE_LIMIT = 500;
const VOTERS = 2_000;
/** The lock is held at least this long (and until every refusal has arrived). */
const HOLD_MS = 10_000;
/** How long the refusals may take to arrive on a loaded machine; the lock is held until then. */
const ARRIVAL_MS = 45_000;

describe('votes under overload (a held row lock)', () => {
  let t: TestApp;
  let articleId: string;
  let tokens: { userId: string; token: string }[];

  beforeAll(async () => {
    t = await startTestApp(
      { VOTE_QUEUE_LIMIT: String(QUEUE_LIMIT), RATE_LIMITS: 'off', JWT_SECRET: TEST_JWT_SECRET },
      { listen: true },
    );
    articleId = await createArticle(t.http, await loginAdmin(t.http));
    const ids = Array.from({ length: VOTERS }, () => randomUUID());
    await query(
      t.database.url,
      `INSERT INTO users (id, username, username_key, display_name, password_hash, role, created_at)
       SELECT id, 'load_' || n, 'load_' || n, 'Load ' || n, 'none', 'reader', now()
         FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, n)`,
      [ids],
    );
    const now = Math.floor(Date.now() / 1000);
    tokens = ids.map((userId) => ({
      userId,
      token: sign({ sub: userId, iat: now, exp: now + 600 }, TEST_JWT_SECRET, {
        algorithm: 'HS256',
        issuer: 'townhall',
        audience: 'townhall',
      }),
    }));
  });
  afterAll(() => t.close());

  it(
    'answers only 200 or 503 + Retry-After, stays up, and stores exactly the acknowledged votes',
    async () => {
      const locker = new Client({ connectionString: t.database.url });
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM articles WHERE id = $1 FOR UPDATE', [articleId]);
      const lockedAt = Date.now();
      const seen = { refused: 0, accepted: 0, failed: [] as string[] };
      const answers = tokens.map(async ({ userId, token }) => {
        const res = await fetch(`${t.url}/api/articles/${articleId}/votes/interesting`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ value: 'up' }),
        }).catch((error: Error) => {
          // a connection the server dropped (a refused or reset TCP handshake) is a failure too
          seen.failed.push(
            `${error.message}: ${String((error.cause as Error | undefined)?.message)}`,
          );
          throw error;
        });
        await res.arrayBuffer();
        if (res.status === 503) seen.refused++;
        else seen.accepted++;
        return { userId, status: res.status, retryAfter: res.headers.get('retry-after') };
      });
      // every vote past the bound is refused while the lock is still held, none is answered 200
      const deadline = Date.now() + ARRIVAL_MS;
      while (
        seen.refused < VOTERS - QUEUE_LIMIT - 1 &&
        seen.failed.length === 0 &&
        Date.now() < deadline
      ) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(seen.failed).toEqual([]);
      expect(seen.refused).toBeGreaterThanOrEqual(VOTERS - QUEUE_LIMIT - 1);
      while (Date.now() - lockedAt < HOLD_MS) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(seen.accepted).toBe(0);
      const started = Date.now();
      const live = await fetch(`${t.url}/health/live`);
      expect(live.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1_000);
      await locker.query('COMMIT');
      await locker.end();

      const results = await Promise.all(answers);
      const statuses = new Set(results.map((r) => r.status));
      expect([...statuses].sort()).toEqual([200, 503]);
      const refused = results.filter((r) => r.status === 503);
      expect(refused.every((r) => r.retryAfter === '1')).toBe(true);
      const accepted = results.filter((r) => r.status === 200).map((r) => r.userId);
      // the queue's bound: the votes waiting behind the lock and the batch holding it
      expect(accepted.length).toBeGreaterThanOrEqual(QUEUE_LIMIT);
      expect(accepted.length).toBeLessThanOrEqual(QUEUE_LIMIT + 1);

      const stored = await query<{ user_id: string }>(
        t.database.url,
        `SELECT user_id FROM votes WHERE article_id = $1 AND dimension = 'interesting' AND value = 'up'`,
        [articleId],
      );
      expect(stored.map((row) => row.user_id).sort()).toEqual(accepted.sort());
      const [article] = await query<{ interesting_up: number }>(
        t.database.url,
        'SELECT interesting_up FROM articles WHERE id = $1',
        [articleId],
      );
      expect(article!.interesting_up).toBe(accepted.length);

      // and the server takes votes again, from one it refused
      const retry = tokens.find((x) => x.userId === refused[0]!.userId)!;
      const again = await fetch(`${t.url}/api/articles/${articleId}/votes/interesting`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${retry.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ value: 'up' }),
      });
      expect(again.status).toBe(200);
    },
    ARRIVAL_MS + HOLD_MS + 30_000,
  );
});
