/**
 * README "Operations": `GET /health/live` answers 200 while the process serves HTTP, touching
 * neither PostgreSQL nor Redis. A compiled server on a PostgreSQL cluster and a redis-server of
 * this file's own (never the machine's shared ones), both stopped while it is asked.
 */
import request from 'supertest';
import { createPostgresCluster, type PostgresCluster } from './support/postgres-cluster';
import { killAllRedisServers, type RedisServer, startRedisServer } from './support/redis-server';
import { killAllServers, type ServerProcess, startServer } from './support/server-process';
import { TEST_JWT_SECRET } from './support/test-app';

jest.setTimeout(120_000);

describe('GET /health/live with PostgreSQL and Redis stopped', () => {
  let postgres: PostgresCluster | undefined;
  let redis: RedisServer | undefined;
  let server: ServerProcess;

  beforeAll(async () => {
    postgres = await createPostgresCluster();
    redis = await startRedisServer();
    server = await startServer({
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'warn',
    });
  });
  afterAll(async () => {
    await killAllServers();
    await killAllRedisServers();
    await postgres?.destroy();
  });

  it('answers 200 {status: "ok"} while /health reports both down', async () => {
    await request(server.url).get('/health/live').expect(200, { status: 'ok' });

    await Promise.all([postgres!.stop(), redis!.stop()]);

    const health = await request(server.url).get('/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({
      status: 'error',
      details: { database: { status: 'down' }, redis: { status: 'down' } },
    });
    // several times over: no pool or client of either is waited for, none is needed
    for (let i = 0; i < 5; i++) {
      const live = await request(server.url).get('/health/live');
      expect(live.status).toBe(200);
      expect(live.body).toEqual({ status: 'ok' });
    }
  });
});
