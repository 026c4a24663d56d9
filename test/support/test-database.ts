import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The PostgreSQL the suite may create databases on (trust auth on this machine). */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function admin<T>(run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database of its own for one test file; dropped (with force) afterwards. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `townhall_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

/** Runs one query on a test database (for assertions that look behind the API). */
export async function query<T extends Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** An article's four stored counters and the same four recounted from its votes. */
export interface TallyRecount {
  stored: Record<string, number>;
  counted: Record<string, number>;
}

/**
 * The counters of `articleId` as stored on its row and as recounted from the votes table: the
 * two must always be equal (`expect(r.counted).toEqual(r.stored)`).
 */
export async function recountTallies(
  databaseUrl: string,
  articleId: string,
): Promise<TallyRecount> {
  const counters = ['interesting_up', 'interesting_down', 'support_up', 'support_down'];
  const [row] = await query<Record<string, number>>(
    databaseUrl,
    `SELECT ${counters
      .map((column) => {
        const [dimension, value] = column.split('_');
        return `a.${column}, (SELECT count(*) FROM votes v WHERE v.article_id = a.id
                 AND v.dimension = '${dimension}' AND v.value = '${value}')::int AS counted_${column}`;
      })
      .join(', ')}
       FROM articles a WHERE a.id = $1`,
    [articleId],
  );
  if (!row) throw new Error(`no article ${articleId}`);
  return {
    stored: Object.fromEntries(counters.map((column) => [column, row[column]!])),
    counted: Object.fromEntries(counters.map((column) => [column, row[`counted_${column}`]!])),
  };
}
