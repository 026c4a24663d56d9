/**
 * Two compiled servers behind a real PgBouncer in transaction mode (each transaction may land
 * on another server connection, as in a deployment that pools), with DATABASE_DIRECT_URL for
 * the migrations: both start together and migrate once; votes and comments through either
 * instance stay exact and live; the job queue and the activity drainer work through the pooler.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import type { CommentCreatedEvent, TallyEvent } from '../src/realtime/contract';
import { clusterEnv } from './support/cluster';
import { type PgBouncer, startPgBouncer } from './support/pgbouncer';
import { killAllRedisServers, type RedisServer, startRedisServer } from './support/redis-server';
import { killAllServers, type ServerProcess, startServer } from './support/server-process';
import { connect, nextEvent, subscribe, type TestSocket } from './support/socket-clients';
import { ADMIN } from './support/test-app';
import { createTestDatabase, query, type TestDatabase } from './support/test-database';
import { until } from './support/until';

jest.setTimeout(120_000);

const PASSWORD = 'password-123';
const VOTERS = 24;
const COMMENTS = 20;

interface User {
  id: string;
  accessToken: string;
}

async function register(url: string): Promise<User> {
  const username = `pgb_${randomBytes(5).toString('hex')}`;
  const res = await request(url)
    .post('/api/auth/register')
    .send({ username, password: PASSWORD })
    .expect(201);
  const body = res.body as { user: { id: string }; accessToken: string };
  return { id: body.user.id, accessToken: body.accessToken };
}

describe('behind PgBouncer in transaction mode', () => {
  let database: TestDatabase;
  let redis: RedisServer;
  let bouncer: PgBouncer;
  let A: ServerProcess;
  let B: ServerProcess;
  let admin: User;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await startRedisServer();
    // fewer server connections than the two instances' pools: transactions must share them
    bouncer = await startPgBouncer(database.url, { poolSize: 6 });
    const env = {
      ...clusterEnv(bouncer.through(database.url), redis.url),
      DATABASE_DIRECT_URL: database.url,
    };
    // started together on an empty database: one migrates, the other waits for its lock
    [A, B] = (await Promise.all([startServer(env), startServer(env)])) as [
      ServerProcess,
      ServerProcess,
    ];
    const res = await request(A.url).post('/api/auth/login').send(ADMIN).expect(200);
    const body = res.body as { user: { id: string }; accessToken: string };
    admin = { id: body.user.id, accessToken: body.accessToken };
  });

  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    await killAllServers();
    await bouncer?.stop();
    await killAllRedisServers();
    await database?.drop();
  });

  async function createArticle(title: string): Promise<string> {
    const res = await request(A.url)
      .post('/api/articles')
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .send({ category: 'Pooling', title, keyTakeaways: [], followUps: [] })
      .expect(201);
    return (res.body as { id: string }).id;
  }

  it('applied every migration exactly once, over the direct connection', async () => {
    const files = readdirSync(join(__dirname, '../migrations')).filter((name) =>
      /^Migration\d+\.ts$/.test(name),
    );
    const applied = await query<{ name: string }>(
      database.url,
      'SELECT name FROM mikro_orm_migrations ORDER BY id',
    );
    expect(applied).toHaveLength(files.length);
    expect(new Set(applied.map((row) => row.name)).size).toBe(files.length);
    const pools = await bouncer.show<{ database: string; pool_mode: string }>('SHOW POOLS');
    expect(pools.find((pool) => pool.database === database.name)?.pool_mode).toBe('transaction');
  });

  it('votes from both instances equal a recount, and a reader on B sees the final tally', async () => {
    const articleId = await createArticle('Votes through the pooler');
    const voters = await Promise.all(
      Array.from({ length: VOTERS }, (_, i) => register(i % 2 ? A.url : B.url)),
    );
    const reader = await connect(B.url);
    sockets.push(reader);
    expect(await subscribe(reader, { articleId })).toMatchObject({ ok: true });
    const last: TallyEvent[] = [];
    reader.on('tally', (event) => last.push(event));

    // every voter votes up, then half change to down, through alternating instances
    await Promise.all(
      voters.map((voter, i) =>
        request(i % 2 ? B.url : A.url)
          .put(`/api/articles/${articleId}/votes/interesting`)
          .set('Authorization', `Bearer ${voter.accessToken}`)
          .send({ value: 'up' })
          .expect(200),
      ),
    );
    await Promise.all(
      voters
        .filter((_, i) => i % 2 === 0)
        .map((voter, i) =>
          request(i % 2 ? A.url : B.url)
            .put(`/api/articles/${articleId}/votes/interesting`)
            .set('Authorization', `Bearer ${voter.accessToken}`)
            .send({ value: 'down' })
            .expect(200),
        ),
    );

    const [recount] = await query<{ up: number; down: number }>(
      database.url,
      `SELECT count(*) FILTER (WHERE value = 'up')::int AS up,
              count(*) FILTER (WHERE value = 'down')::int AS down
         FROM votes WHERE article_id = $1 AND dimension = 'interesting'`,
      [articleId],
    );
    expect(recount).toEqual({ up: VOTERS / 2, down: VOTERS / 2 });
    const [stored] = await query<{ up: number; down: number }>(
      database.url,
      'SELECT interesting_up AS up, interesting_down AS down FROM articles WHERE id = $1',
      [articleId],
    );
    expect(stored).toEqual(recount);
    await until(
      'the reader on B sees the final tally',
      () => last.at(-1)?.tallies.interesting.up === recount!.up,
    );
    expect(last.at(-1)!.tallies.interesting).toEqual(recount);
  });

  it('comments posted on both instances reach a reader on the other once each, in seq order', async () => {
    const articleId = await createArticle('Comments through the pooler');
    const author = await register(A.url);
    const reader = await connect(B.url);
    sockets.push(reader);
    expect(await subscribe(reader, { articleId })).toMatchObject({ ok: true });
    const seqs: number[] = [];
    reader.on('comment.created', (event: CommentCreatedEvent) => seqs.push(event.seq));

    await Promise.all(
      Array.from({ length: COMMENTS }, (_, i) =>
        request(i % 2 ? A.url : B.url)
          .post(`/api/articles/${articleId}/comments`)
          .set('Authorization', `Bearer ${author.accessToken}`)
          .send({ body: `comment ${i}` })
          .expect(201),
      ),
    );
    await until('every comment reached B', () => seqs.length >= COMMENTS);
    expect(seqs).toEqual(Array.from({ length: COMMENTS }, (_, i) => i + 1));
  });

  it('a reply notifies its parent’s author live, through the drainer and the job queue', async () => {
    const articleId = await createArticle('Notifications through the pooler');
    const parentAuthor = await register(A.url);
    const replier = await register(B.url);
    const inbox = await connect(B.url, parentAuthor.accessToken);
    sockets.push(inbox);
    const parent = await request(A.url)
      .post(`/api/articles/${articleId}/comments`)
      .set('Authorization', `Bearer ${parentAuthor.accessToken}`)
      .send({ body: 'parent' })
      .expect(201);
    const notified = nextEvent(inbox, 'notification', () => true, 15_000);
    const reply = await request(A.url)
      .post(`/api/articles/${articleId}/comments`)
      .set('Authorization', `Bearer ${replier.accessToken}`)
      .send({ body: 'a reply', parentId: (parent.body as { id: string }).id })
      .expect(201);
    expect((await notified).notification).toMatchObject({
      type: 'reply',
      comment: { id: (reply.body as { id: string }).id },
    });
    const stats = await bouncer.show<{ database: string; total_xact_count: string }>('SHOW STATS');
    // the instances' traffic went through PgBouncer, not around it
    expect(
      Number(stats.find((row) => row.database === database.name)?.total_xact_count),
    ).toBeGreaterThan(VOTERS + COMMENTS);
  });
});
