import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { StartupError } from './startup-error';

const run = promisify(execFile);

/** The user the PostgreSQL binaries run as: ourselves ({}), or as root the `postgres` user. */
export interface RunAs {
  uid?: number;
  gid?: number;
}

/** PostgreSQL refuses to run as root: run it as the `postgres` user, creating it if needed. */
export async function postgresUser(): Promise<RunAs> {
  if (userInfo().uid !== 0) return {};
  const ids = async (): Promise<RunAs> => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout),
  });
  try {
    return await ids();
  } catch {
    await run('groupadd', ['--system', 'postgres']).catch(() => undefined);
    await run('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres']);
    return ids();
  }
}

const WHAT_TO_DO = 'run Townhall as a normal user, or set DATABASE_URL to a PostgreSQL of your own';

/**
 * As root, PostgreSQL runs as `postgres`, which must be able to enter every directory on the
 * way to its binaries and to DATA_DIR: a clone in /root (mode 0700) is out of its reach, and
 * initdb would fail with a bare EACCES. Says which directory is in the way, and what to do.
 */
export async function assertPostgresCanReach(
  runAs: RunAs,
  paths: { binary: string; dataDir: string },
): Promise<void> {
  if (runAs.uid === undefined) return;
  const user = `the user "postgres" (uid ${runAs.uid})`;
  if (!(await canExecute(paths.binary, runAs))) {
    const blocked = await describe(await firstBlocked(dirname(paths.binary), runAs));
    throw new StartupError(
      `The embedded PostgreSQL cannot start: as root, Townhall runs it as ${user}, which may ` +
        `not enter ${blocked}, where its binaries are (${dirname(paths.binary)}). ` +
        `Move the clone to a directory others may enter, ${WHAT_TO_DO}.`,
    );
  }
  if (!(await canExecute(paths.dataDir, runAs))) {
    const blocked = await describe(await firstBlocked(paths.dataDir, runAs));
    throw new StartupError(
      `The embedded PostgreSQL cannot start: as root, Townhall runs it as ${user}, which may ` +
        `not enter ${blocked} on the way to DATA_DIR ${paths.dataDir}. Set DATA_DIR to a ` +
        `directory it may enter (e.g. DATA_DIR=/var/lib/townhall), ${WHAT_TO_DO}.`,
    );
  }
}

/** `test -x` as that user: for a directory, whether it may enter it (and every parent). */
async function canExecute(path: string, runAs: RunAs): Promise<boolean> {
  try {
    await run('test', ['-x', path], { ...runAs, cwd: '/' });
    return true;
  } catch (error) {
    // only "test" answering no is a no; a missing `test` binary proves nothing
    return (error as { code?: unknown }).code !== 1;
  }
}

/** The outermost directory on the way to `path` that the user may not enter. */
async function firstBlocked(path: string, runAs: RunAs): Promise<string> {
  const chain: string[] = [];
  for (let dir = path; ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of chain) if (!(await canExecute(dir, runAs))) return dir;
  return path;
}

async function describe(dir: string): Promise<string> {
  const mode = await stat(dir).then(
    (stats) => ` (mode ${(stats.mode & 0o777).toString(8).padStart(4, '0')})`,
    () => '',
  );
  return `${dir}${mode}`;
}
