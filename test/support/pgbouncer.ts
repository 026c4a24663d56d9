import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { postgresUser } from '../../src/database/postgres-user';
import { freePort } from '../../src/database/process-utils';

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/** Debian's binary (package pgbouncer), else one on PATH; null when neither exists. */
export function findPgBouncer(): string | null {
  for (const dir of ['/usr/sbin', ...(process.env.PATH ?? '').split(':')]) {
    if (dir && existsSync(`${dir}/pgbouncer`)) return `${dir}/pgbouncer`;
  }
  return null;
}

/** A PgBouncer in transaction mode owned by one test file, in front of one PostgreSQL. */
export interface PgBouncer {
  readonly port: number;
  /** `url` (a database on the PostgreSQL behind it) as reached through this PgBouncer. */
  through(url: string): string;
  /** Rows of an admin console command (`SHOW POOLS`, `SHOW STATS`, …). */
  show<T extends Record<string, unknown>>(command: string): Promise<T[]>;
  stop(): Promise<void>;
  output(): string;
}

/**
 * Starts `pgbouncer` on a free port with `pool_mode = transaction` (what a deployment behind
 * PgBouncer runs: each transaction may land on another server connection), trusting the
 * user of `upstreamUrl` as PostgreSQL on this machine does. As root it runs as `postgres`
 * (PgBouncer refuses root), like the embedded PostgreSQL.
 */
export async function startPgBouncer(
  upstreamUrl: string,
  settings: { poolSize?: number } = {},
): Promise<PgBouncer> {
  const binary = findPgBouncer();
  if (binary === null) throw new Error('pgbouncer is not installed: apt-get install -y pgbouncer');
  const upstream = new URL(upstreamUrl);
  const user = decodeURIComponent(upstream.username || 'postgres');
  const port = await freePort();
  const runAs = await postgresUser();
  const dir = await mkdtemp(join(tmpdir(), 'townhall-pgbouncer-'));
  const password = upstream.password ? ` password=${decodeURIComponent(upstream.password)}` : '';
  await writeFile(join(dir, 'userlist.txt'), `"${user}" ""\n`);
  await writeFile(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${upstream.hostname} port=${upstream.port || 5432} user=${user}${password}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      `admin_users = ${user}`,
      'pool_mode = transaction',
      'max_client_conn = 1000',
      `default_pool_size = ${settings.poolSize ?? 20}`,
      'ignore_startup_parameters = extra_float_digits',
      '',
    ].join('\n'),
  );
  if (runAs.uid !== undefined) {
    for (const file of ['', 'userlist.txt', 'pgbouncer.ini']) {
      await chown(join(dir, file), runAs.uid, runAs.gid ?? runAs.uid);
    }
  }

  let log = '';
  const child: ChildProcess = spawn(binary, [join(dir, 'pgbouncer.ini')], {
    ...runAs,
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  child.once('error', (error) => (log += `\n[spawn error] ${String(error)}`));
  const exited = new Promise<void>((resolveExit) => child.once('close', () => resolveExit()));

  const through = (url: string): string => {
    const target = new URL(url);
    target.hostname = '127.0.0.1';
    target.port = String(port);
    return target.toString();
  };
  const show = async <T extends Record<string, unknown>>(command: string): Promise<T[]> => {
    const client = new Client({ connectionString: through(`postgres://${user}@x/pgbouncer`) });
    await client.connect();
    try {
      // without parameters pg uses the simple query protocol, the only one the console speaks
      return (await client.query<T>(command)).rows;
    } finally {
      await client.end();
    }
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      await show('SHOW VERSION');
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`pgbouncer did not start (${(error as Error).message}):\n${log}`);
      }
      await new Promise((resolveDelay) => setTimeout(resolveDelay, 100));
    }
  }
  return { port, through, show, stop, output: () => log };
}
