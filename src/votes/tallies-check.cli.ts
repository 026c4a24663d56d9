/**
 * `npm run tallies:check [-- --fix]`: recounts every article's tallies (and visible comment
 * count) from the stored votes and comments, reports any drift, and with --fix repairs it.
 * Exit code 1 when drift was found and not fixed.
 *
 * Uses DATABASE_URL, or the embedded PostgreSQL of DATA_DIR (the running one, or starts it).
 */
import { Client } from 'pg';
import { ConfigError, loadConfig } from '../config/app-config';
import { openDatabase } from '../database/database-server';
import { EmbeddedPostgres } from '../database/embedded-postgres';

const COUNTERS = [
  'interesting_up',
  'interesting_down',
  'support_up',
  'support_down',
  'comment_count',
] as const;
type Counter = (typeof COUNTERS)[number];

const RECOUNT = `
  SELECT a.id, a.slug,
         ${COUNTERS.map((c) => `a.${c} AS stored_${c}`).join(', ')},
         (SELECT count(*) FROM votes v WHERE v.article_id = a.id AND v.dimension = 'interesting' AND v.value = 'up')::int AS interesting_up,
         (SELECT count(*) FROM votes v WHERE v.article_id = a.id AND v.dimension = 'interesting' AND v.value = 'down')::int AS interesting_down,
         (SELECT count(*) FROM votes v WHERE v.article_id = a.id AND v.dimension = 'support' AND v.value = 'up')::int AS support_up,
         (SELECT count(*) FROM votes v WHERE v.article_id = a.id AND v.dimension = 'support' AND v.value = 'down')::int AS support_down,
         (SELECT count(*) FROM comments c WHERE c.article_id = a.id AND c.status = 'visible')::int AS comment_count
    FROM articles a`;

type Row = { id: string; slug: string } & Record<Counter | `stored_${Counter}`, number>;

function drifted(row: Row): Counter[] {
  return COUNTERS.filter((c) => row[c] !== row[`stored_${c}`]);
}

async function main(): Promise<number> {
  const fix = process.argv.includes('--fix');
  const config = await loadConfig(process.env);
  const running = config.databaseUrl ? null : await EmbeddedPostgres.runningUrl(config.dataDir);
  const database = running
    ? { url: running, stop: async () => undefined }
    : await openDatabase(config);
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    const rows = (await client.query<Row>(RECOUNT)).rows;
    const bad = rows.filter((row) => drifted(row).length > 0);
    console.log(`checked ${rows.length} article(s): ${bad.length} with drift`);
    for (const row of bad) {
      const diff = drifted(row).map((c) => `${c} stored ${row[`stored_${c}`]} counted ${row[c]}`);
      console.log(`  ${row.slug} (${row.id}): ${diff.join('; ')}`);
    }
    if (!fix || bad.length === 0) return bad.length === 0 ? 0 : 1;
    for (const row of bad) {
      // with the article row locked no vote or comment can move its counters: recount and set
      await client.query('BEGIN');
      await client.query('SELECT 1 FROM articles WHERE id = $1 FOR UPDATE', [row.id]);
      const fresh = (await client.query<Row>(`${RECOUNT} WHERE a.id = $1`, [row.id])).rows[0];
      if (fresh) {
        await client.query(
          `UPDATE articles SET ${COUNTERS.map((c, i) => `${c} = $${i + 2}`).join(', ')},
                  tallies_version = tallies_version + 1 WHERE id = $1`,
          [row.id, ...COUNTERS.map((c) => fresh[c])],
        );
      }
      await client.query('COMMIT');
    }
    console.log(`fixed ${bad.length} article(s)`);
    return 0;
  } finally {
    await client.end();
    await database.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(2);
  },
);
