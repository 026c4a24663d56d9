/**
 * The compiled server (`node dist/src/main.js`) as an operator runs it: real child processes,
 * real signals, the embedded PostgreSQL on disk, and an external PostgreSQL shared by two
 * instances. `npm test` builds dist/ first.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { countRows, login, registerUser, uniqueName } from './support/factories';
import {
  killAllServers,
  type ServerProcess,
  spawnServer,
  startServer,
  stopLeftoverPostgres,
} from './support/server-process';
import { createTestDatabase, query, type TestDatabase } from './support/test-database';

jest.setTimeout(120_000);

const run = promisify(execFile);
const DEMO_CATEGORY = 'Important News';
const JWT_SECRET = 'process-test-secret-that-is-longer-than-32-chars';

interface ArticleSummary {
  slug: string;
  category: string;
  title: string;
}

async function listArticles(url: string): Promise<ArticleSummary[]> {
  const response = await request(url).get('/api/articles').expect(200);
  return (response.body as { items: ArticleSummary[] }).items;
}

/** Pids of a PostgreSQL postmaster serving `pgData` (matched on its exact command line). */
async function postmastersFor(pgData: string): Promise<number[]> {
  try {
    const { stdout } = await run('pgrep', ['-f', `postgres -D ${pgData}( |$)`]);
    return stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(Number);
  } catch (error) {
    // pgrep exits 1 when nothing matches
    if ((error as { code?: number }).code === 1) return [];
    throw error;
  }
}

async function makeTempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'townhall-process-'));
  // as root, the embedded PostgreSQL runs as `postgres`, which must be able to enter it
  await chmod(dir, 0o755);
  return dir;
}

async function exitWithin(server: ServerProcess, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`server still running after ${ms} ms:\n${server.output()}`)),
      ms,
    );
  });
  try {
    return (await Promise.race([server.exited, timeout])).code;
  } finally {
    clearTimeout(timer);
  }
}

// whatever happens in the tests, no server process outlives the file
afterAll(() => killAllServers());

describe('embedded default: no DATABASE_URL', () => {
  let dataDir: string;
  let pgData: string;
  let server: ServerProcess | undefined;
  const user = { username: uniqueName('proc'), password: '' };

  beforeAll(async () => {
    dataDir = await makeTempDir();
    pgData = join(dataDir, 'postgres');
  });

  afterAll(async () => {
    await killAllServers();
    // a SIGKILLed server leaves its PostgreSQL running: stop it by the pid it recorded
    await stopLeftoverPostgres(dataDir);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts PostgreSQL in DATA_DIR, seeds exactly the demo article, and serves auth', async () => {
    server = await startServer({ DATA_DIR: dataDir });

    expect(server.output()).toContain('embedded PostgreSQL');
    expect(server.output()).toContain('Townhall ready at');
    expect((await stat(join(pgData, 'PG_VERSION'))).isFile()).toBe(true);
    expect(await postmastersFor(pgData)).toHaveLength(1);

    const articles = await listArticles(server.url);
    expect(articles).toHaveLength(1);
    expect(articles[0]?.category).toBe(DEMO_CATEGORY);

    const registered = await registerUser(server.url, user.username);
    user.password = registered.password;
    const loggedIn = await login(server.url, user.username, user.password);
    expect(loggedIn.id).toBe(registered.id);
    const me = await request(server.url)
      .get('/api/auth/me')
      .set('Authorization', `Bearer ${loggedIn.accessToken}`)
      .expect(200);
    expect(me.body).toMatchObject({ id: registered.id, username: user.username, role: 'reader' });
  });

  it('exits 0 on SIGTERM and stops its PostgreSQL', async () => {
    expect(server).toBeDefined();
    const code = await server!.stop('SIGTERM');
    expect(code).toBe(0);
    expect(server!.output()).toContain('SIGTERM received');
    expect(await postmastersFor(pgData)).toEqual([]);
  });

  it('restarts on the same DATA_DIR: seeding is idempotent and users are kept', async () => {
    server = await startServer({ DATA_DIR: dataDir });

    const articles = await listArticles(server.url);
    expect(articles).toHaveLength(1);
    expect(articles[0]?.category).toBe(DEMO_CATEGORY);
    await login(server.url, user.username, user.password);
    // the username stays taken
    await request(server.url)
      .post('/api/auth/register')
      .send({ username: user.username, password: 'another-password-1' })
      .expect(409);
  });

  it('after a SIGKILL, the next start stops the PostgreSQL left running and keeps the data', async () => {
    expect(server).toBeDefined();
    const killed = server!;
    expect(await killed.stop('SIGKILL')).toBeNull();
    // its PostgreSQL lives on, detached from the dead Node process
    const leftover = await postmastersFor(pgData);
    expect(leftover).toHaveLength(1);

    server = await startServer({ DATA_DIR: dataDir });
    expect(server.output()).toContain('left running');
    const now = await postmastersFor(pgData);
    expect(now).toHaveLength(1);
    expect(now).not.toEqual(leftover);

    const articles = await listArticles(server.url);
    expect(articles).toHaveLength(1);
    expect(articles[0]?.category).toBe(DEMO_CATEGORY);
    await login(server.url, user.username, user.password);

    expect(await server.stop('SIGTERM')).toBe(0);
    expect(await postmastersFor(pgData)).toEqual([]);
  });
});

describe('configuration errors', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await makeTempDir();
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  async function startExpectingFailure(env: Record<string, string>): Promise<ServerProcess> {
    const server = await spawnServer({ DATA_DIR: dataDir, ...env });
    const code = await exitWithin(server, 20_000);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(server.stdout()).not.toContain('Townhall ready');
    // an operator's mistake is reported as such: no stack trace
    expect(server.stderr()).not.toMatch(/^\s+at /m);
    // it failed before starting a database
    await expect(stat(join(dataDir, 'postgres'))).rejects.toMatchObject({ code: 'ENOENT' });
    return server;
  }

  it('PORT=abc: exits non-zero naming PORT', async () => {
    const server = await startExpectingFailure({ PORT: 'abc' });
    expect(server.stderr()).toContain('PORT');
    expect(server.stderr()).toContain('"abc"');
  });

  it('NODE_ENV=production without JWT_SECRET: exits non-zero naming JWT_SECRET', async () => {
    const server = await startExpectingFailure({ NODE_ENV: 'production' });
    expect(server.stderr()).toContain('JWT_SECRET');
    expect(server.stderr()).not.toContain('PORT');
  });

  it('reports every problem at once', async () => {
    const server = await startExpectingFailure({ NODE_ENV: 'production', PORT: '99999' });
    expect(server.stderr()).toContain('JWT_SECRET');
    expect(server.stderr()).toContain('PORT');
  });
});

describe('two instances starting at once on one fresh database', () => {
  let database: TestDatabase;
  const admin = { username: uniqueName('admin'), password: 'admin-password-1' };

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await killAllServers();
    await database.drop();
  });

  it('both come up; migrations, demo article and admin exist exactly once; both exit 0', async () => {
    const env = {
      DATABASE_URL: database.url,
      JWT_SECRET,
      SEED_DEMO: 'true',
      ADMIN_USERNAME: admin.username,
      ADMIN_PASSWORD: admin.password,
    };
    const servers = await Promise.all([startServer(env), startServer(env)]);

    const migrationFiles = (await readdir(resolve(__dirname, '../migrations')))
      .filter((file) => /^Migration\w+\.ts$/.test(file))
      .map((file) => file.replace(/\.ts$/, ''))
      .sort();
    expect(migrationFiles.length).toBeGreaterThan(0);
    const applied = await query<{ name: string; count: string }>(
      database.url,
      'SELECT name, count(*) FROM mikro_orm_migrations GROUP BY name ORDER BY name',
    );
    expect(applied.map((row) => row.name.replace(/\.(js|ts)$/, ''))).toEqual(migrationFiles);
    expect(applied.every((row) => Number(row.count) === 1)).toBe(true);
    // one instance migrated; the other waited for the lock and found nothing pending
    expect(servers.filter((s) => s.output().includes('applied ')).length).toBe(1);

    expect(await countRows(database.url, 'articles')).toBe(1);
    expect(await countRows(database.url, 'users', "role = 'admin'")).toBe(1);
    expect(
      await countRows(database.url, 'users', 'username_key = lower($1)', [admin.username]),
    ).toBe(1);

    for (const server of servers) {
      expect(server.output()).toContain(`database: PostgreSQL at 127.0.0.1`);
      const articles = await listArticles(server.url);
      expect(articles).toHaveLength(1);
      expect(articles[0]?.category).toBe(DEMO_CATEGORY);
      const loggedIn = await login(server.url, admin.username, admin.password);
      const me = await request(server.url)
        .get('/api/auth/me')
        .set('Authorization', `Bearer ${loggedIn.accessToken}`)
        .expect(200);
      expect(me.body).toMatchObject({ username: admin.username, role: 'admin' });
    }

    const codes = await Promise.all(servers.map((server) => server.stop('SIGTERM')));
    expect(codes).toEqual([0, 0]);
  });
});
