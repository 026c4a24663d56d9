import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { type Binaries, type Credentials, ensureInitialised } from './embedded-postgres-init';
import { assertPostgresCanReach, postgresUser } from './postgres-user';
import { freePort, isAlive, OutputTail } from './process-utils';
import { StartupError } from './startup-error';

const logger = new Logger('EmbeddedPostgres');
const DATABASE = 'townhall';
const USER = 'townhall';
const READY = 'database system is ready to accept connections';

/**
 * A real PostgreSQL server from the `embedded-postgres` package's binaries, kept in
 * `DATA_DIR/postgres`. We drive the binaries ourselves rather than through the package's
 * class because that class installs its own SIGTERM/exit hooks, which race Nest's shutdown.
 */
export class EmbeddedPostgres {
  private readonly exited: Promise<void>;
  private stopping = false;

  private constructor(
    private readonly process: ChildProcess,
    private readonly lockFile: string,
    private readonly log: OutputTail,
    readonly url: string,
  ) {
    // 'close': the pipe is drained, so the log's last lines are all there
    this.exited = new Promise((resolve) => process.once('close', () => resolve()));
  }

  static async start(dataDir: string): Promise<EmbeddedPostgres> {
    const pgData = join(dataDir, 'postgres');
    const lockFile = join(dataDir, 'townhall.pid');
    await mkdir(dataDir, { recursive: true, mode: 0o755 });
    const runAs = await postgresUser();
    const binaries = await loadBinaries();
    await assertPostgresCanReach(runAs, { binary: binaries.initdb, dataDir });
    await claimDataDir(lockFile);
    const credentials = await ensureInitialised(binaries, pgData, dataDir, runAs, USER);
    await stopLeftover(pgData);

    const port = await freePort();
    const child = spawn(
      binaries.postgres,
      ['-D', pgData, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'],
      // own process group: a Ctrl-C in the terminal reaches Node, which then stops it in order
      { ...runAs, stdio: ['ignore', 'ignore', 'pipe'], detached: true, env: { LC_MESSAGES: 'C' } },
    );
    const log = new OutputTail();
    // read for as long as it runs: PostgreSQL never blocks on a full pipe
    child.stderr?.on('data', (chunk: Buffer) => log.push(chunk));
    await waitUntilReady(child, log);
    const url = `postgres://${USER}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${DATABASE}`;
    await ensureDatabase(url.replace(/\/[^/]+$/, '/postgres'));
    logger.log(`embedded PostgreSQL ready on 127.0.0.1:${port} (data in ${pgData})`);
    return new EmbeddedPostgres(child, lockFile, log, url);
  }

  /**
   * Calls `listener` once if PostgreSQL ends without `stop()` (killed, crashed, shut down by
   * someone else), with its exit and the last lines of its log: nothing restarts it.
   */
  onUnexpectedExit(listener: (message: string) => void): void {
    void this.exited.then(() => {
      if (!this.stopping) listener(this.exitMessage());
    });
  }

  /** Why PostgreSQL ended by itself, if it does within `ms` (else null): for a failed start. */
  async unexpectedExitWithin(ms: number): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    const alive = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const exited = await Promise.race([this.exited.then(() => true), alive]);
    clearTimeout(timer);
    return exited && !this.stopping ? this.exitMessage() : null;
  }

  private exitMessage(): string {
    const { exitCode, signalCode } = this.process;
    const how = signalCode ? `signal ${signalCode}` : `code ${exitCode}`;
    return `The embedded PostgreSQL exited unexpectedly (${how}); the last lines of its log:\n${this.log.text()}`;
  }

  /**
   * The URL of the embedded server another process (a running Townhall) started in
   * `dataDir`, or null when none runs there. For command-line tools.
   */
  static async runningUrl(dataDir: string): Promise<string | null> {
    const pidFile = await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').catch(
      () => null,
    );
    const [pid, , , port] = pidFile?.split('\n') ?? [];
    if (!pid || !port || !isAlive(Number(pid))) return null;
    const credentials = JSON.parse(
      await readFile(join(dataDir, 'postgres-credentials.json'), 'utf8'),
    ) as Credentials;
    return `postgres://${USER}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${DATABASE}`;
  }

  /** Fast shutdown: rolls back open transactions, checkpoints, exits. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill('SIGINT');
      const timeout = setTimeout(() => this.process.kill('SIGQUIT'), 10_000);
      await this.exited;
      clearTimeout(timeout);
    }
    await rm(this.lockFile, { force: true });
  }
}

async function loadBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    // ESM-only package: a real dynamic import (module: nodenext keeps it one)
    return (await import(name)) as Binaries;
  } catch {
    throw new StartupError(
      `embedded PostgreSQL binaries for ${platform()}-${arch()} (${name}) are not installed; ` +
        'set DATABASE_URL to use an external PostgreSQL',
    );
  }
}

/** Refuse to share DATA_DIR with a live Townhall process; take over from a dead one. */
async function claimDataDir(lockFile: string): Promise<void> {
  const owner = Number.parseInt(await readFile(lockFile, 'utf8').catch(() => ''), 10);
  if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
    throw new StartupError(
      `DATA_DIR is in use by another Townhall process (pid ${owner}); stop it or choose another DATA_DIR`,
    );
  }
  await writeFile(lockFile, `${process.pid}\n`);
}

/**
 * A Node process killed with SIGKILL leaves its PostgreSQL running: postmaster.pid still
 * names a live process. Stop it (fast shutdown) before starting our own.
 */
async function stopLeftover(pgData: string): Promise<void> {
  const pidFile = await readFile(join(pgData, 'postmaster.pid'), 'utf8').catch(() => null);
  const pid = pidFile === null ? NaN : Number.parseInt(pidFile.split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || !isAlive(pid)) return;
  logger.warn(`found PostgreSQL (pid ${pid}) left running by an earlier process; stopping it`);
  process.kill(pid, 'SIGINT');
  for (let waited = 0; isAlive(pid); waited += 100) {
    if (waited === 10_000) process.kill(pid, 'SIGQUIT');
    if (waited > 20_000) throw new Error(`PostgreSQL pid ${pid} did not stop`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function waitUntilReady(child: ChildProcess, log: OutputTail): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-4000);
      if (output.includes(READY)) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup();
      // 'close' comes once the pipe is drained: then the log is complete
      child.once('close', () =>
        reject(
          new StartupError(
            `The embedded PostgreSQL exited during its start (${signal ? `signal ${signal}` : `code ${code}`}); the last lines of its log:\n${log.text()}`,
          ),
        ),
      );
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new StartupError(`The embedded PostgreSQL could not be started: ${error.message}`));
    };
    const cleanup = (): void => {
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

async function ensureDatabase(adminUrl: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      DATABASE,
    ]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}
