/**
 * The vote routes skip pino-http and MikroORM's request context (LEAN_ROUTES, issue 19): on a
 * compiled server logging at `info`, a successful vote writes no line at all, a failed one
 * (400, 401, 404) writes one with its request id, method, URL and status, every other route
 * keeps its access line, and votes without an ORM request context are stored and counted
 * exactly. `npm test` builds dist/ first.
 */
import request from 'supertest';
import { clusterEnv } from './support/cluster';
import {
  bearer,
  createArticle,
  loginAdmin,
  registerUser,
  type TestUser,
} from './support/factories';
import { killAllRedisServers, startRedisServer } from './support/redis-server';
import { killAllServers, type ServerProcess, startServer } from './support/server-process';
import { createTestDatabase, recountTallies, type TestDatabase } from './support/test-database';
import { until } from './support/until';

jest.setTimeout(90_000);

interface LogLine {
  msg?: string;
  reqId?: string;
  method?: string;
  url?: string;
  statusCode?: number;
  req?: { id?: string };
}

describe('log lines of the vote routes', () => {
  let database: TestDatabase;
  let server: ServerProcess;
  let admin: TestUser;
  let articleId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const redis = await startRedisServer();
    server = await startServer({ ...clusterEnv(database.url, redis.url), LOG_LEVEL: 'info' });
    admin = await loginAdmin(server.url);
    articleId = await createArticle(server.url, admin, { title: 'Logged votes' });
  });

  afterAll(async () => {
    await killAllServers();
    await killAllRedisServers();
    await database?.drop();
  });

  /** The JSON lines of the server's stdout that mention `requestId`. */
  function linesOf(requestId: string): LogLine[] {
    return server
      .stdout()
      .split('\n')
      .filter((line) => line.includes(requestId))
      .map((line) => JSON.parse(line) as LogLine);
  }

  const path = () => `/api/articles/${articleId}/votes/interesting`;

  it('a successful vote, cast or retracted, writes no line and keeps its X-Request-Id', async () => {
    const voter = await registerUser(server.url);
    const cast = await request(server.url)
      .put(path())
      .set(...bearer(voter))
      .set('X-Request-Id', 'vote-ok-cast')
      .send({ value: 'up' })
      .expect(200);
    expect(cast.headers['x-request-id']).toBe('vote-ok-cast');
    await request(server.url)
      .delete(path())
      .set(...bearer(voter))
      .set('X-Request-Id', 'vote-ok-retract')
      .expect(200);
    // a request logged after them: once its line is out, theirs would have been too
    await request(server.url).get(`/api/articles/${articleId}`).set('X-Request-Id', 'read-after');
    await until('the read is logged', () => linesOf('read-after').length > 0);
    expect(linesOf('read-after')[0]).toMatchObject({ msg: 'request completed' });
    expect(linesOf('vote-ok-cast')).toEqual([]);
    expect(linesOf('vote-ok-retract')).toEqual([]);
  });

  it('a failed vote writes one line with its request id, method, URL and status', async () => {
    const voter = await registerUser(server.url);
    await request(server.url)
      .put(path())
      .set(...bearer(voter))
      .set('X-Request-Id', 'vote-bad-value')
      .send({ value: 'sideways' })
      .expect(400);
    await request(server.url)
      .put(path())
      .set('X-Request-Id', 'vote-no-token')
      .send({ value: 'up' })
      .expect(401);
    const unknown = '/api/articles/00000000-0000-4000-8000-000000000000/votes/support';
    await request(server.url)
      .delete(unknown)
      .set(...bearer(voter))
      .set('X-Request-Id', 'vote-no-article')
      .expect(404);
    for (const [id, method, url, statusCode] of [
      ['vote-bad-value', 'PUT', path(), 400],
      ['vote-no-token', 'PUT', path(), 401],
      ['vote-no-article', 'DELETE', unknown, 404],
    ] as const) {
      await until(`${id} is logged`, () => linesOf(id).length > 0);
      expect(linesOf(id)).toEqual([
        expect.objectContaining({ msg: 'request failed', reqId: id, method, url, statusCode }),
      ]);
    }
  });

  it('votes without a request context are stored and counted exactly', async () => {
    const voters = await Promise.all(Array.from({ length: 6 }, () => registerUser(server.url)));
    await Promise.all(
      voters.map((voter, index) =>
        request(server.url)
          .put(path())
          .set(...bearer(voter))
          .send({ value: index % 3 === 0 ? 'down' : 'up' })
          .expect(200),
      ),
    );
    const { stored, counted } = await recountTallies(database.url, articleId);
    expect(counted).toEqual(stored);
    expect(counted).toMatchObject({ interesting_up: 4, interesting_down: 2 });
  });
});
