/**
 * `counts`: `GET /api/sites/:id/counts?ids=<100 ids>` (the front page's comment badges) per
 * second, against pgbench running the same SQL statement the endpoint runs, with the same
 * number of clients: what the HTTP layer costs on top of the one query. Measured twice: as
 * shipped (answers reused by CountsCache until a change) and with COUNTS_CACHE_MS=0.
 */
import autocannon from 'autocannon';
import { ADMIN, api, login, runPgbench, startBenchServer } from '../kit';
import { startSampler } from '../measure';
import { type BenchRow, intFlag, numberFlag, ratio, type Scenario } from '../scenario';

const OPTIONS = {
  connections: { type: 'string' },
  duration: { type: 'string' },
  ids: { type: 'string' },
  'cpu-prof': { type: 'boolean' },
} as const;

const USAGE = [
  '--connections N      HTTP connections and pgbench clients (default 16; smoke 4)',
  '--duration S         seconds of each, after a warm-up (default 15; smoke 2)',
  '--ids N              external ids per request (default 100, the most allowed)',
  "--cpu-prof           write the server's CPU profile to bench-results/",
];

/** The statement of ExternalArticlesRepository.countsJson, with pgbench's variables. */
const COUNTS_SQL = `WITH a AS (SELECT id, external_id, comment_count, interesting_up, interesting_down, support_up, support_down
  FROM articles WHERE site_id = :site AND external_id IN (SELECT jsonb_array_elements_text(:ids::jsonb)))
  SELECT json_build_object('counts', COALESCE((
  SELECT json_object_agg(a.external_id, json_build_object('commentCount', a.comment_count,
    'tallies', json_build_object('interesting', json_build_object('up', a.interesting_up, 'down', a.interesting_down),
      'support', json_build_object('up', a.support_up, 'down', a.support_down))))
  FROM a), '{}'::json))::text AS body, ARRAY(SELECT a.id FROM a) AS article_ids
  FROM sites s WHERE s.id = :site;`;

export const counts: Scenario = {
  name: 'counts',
  summary: 'GET /api/sites/:id/counts for 100 ids req/s vs pgbench running the same SQL',
  options: OPTIONS,
  usage: USAGE,
  async run(context) {
    const { values, smoke } = context;
    const connections = intFlag(values, 'connections', smoke ? 4 : 16, 1, 1_000);
    const seconds = numberFlag(values, 'duration', smoke ? 2 : 15, 0.5, 3600);
    const idCount = intFlag(values, 'ids', 100, 1, 100);
    const server = await startBenchServer({ cpuProf: values['cpu-prof'] === true });
    context.log(`server pid ${server.pid} at ${server.base}`);
    const admin = await login(server.base, ADMIN.username, ADMIN.password);
    const site = await api<{ id: string }>(server.base, 'POST', '/api/sites', {
      token: admin.token,
      body: { name: 'Bench publisher', origins: ['https://news.example'] },
      expect: 201,
    });
    const ids = Array.from({ length: idCount }, (_, i) => `bench-story-${i}`);
    for (const [i, externalId] of ids.entries()) {
      const article = await api<{ id: string }>(
        server.base,
        'PUT',
        `/api/sites/${site.id}/articles/${externalId}`,
        { token: admin.token, body: { title: `Story ${i}`, category: 'News' }, expect: 201 },
      );
      if (i % 10 === 0) {
        await api(server.base, 'PUT', `/api/articles/${article.id}/votes/interesting`, {
          token: admin.token,
          body: { value: 'up' },
          expect: 200,
        });
      }
    }
    const path = `/api/sites/${site.id}/counts?ids=${ids.join(',')}`;
    const check = await api<{ counts: Record<string, unknown> }>(server.base, 'GET', path, {
      expect: 200,
    });
    const problems =
      Object.keys(check.counts).length === idCount
        ? []
        : [`counts answered ${Object.keys(check.counts).length} of ${idCount} ids`];

    // the same endpoint without its answer cache (COUNTS_CACHE_MS=0): every request runs the SQL
    const uncachedServer = await startBenchServer({
      database: server.database,
      env: { COUNTS_CACHE_MS: '0' },
    });
    const cached = await cannon(server.base, server.pid, path, connections, seconds, smoke);
    const uncached = await cannon(
      uncachedServer.base,
      uncachedServer.pid,
      path,
      connections,
      seconds,
      smoke,
    );
    for (const [name, run] of [
      ['cached (default)', cached],
      ['COUNTS_CACHE_MS=0', uncached],
    ] as const) {
      problems.push(...run.problems);
      context.log(
        `GET counts (${idCount} ids), ${name}: ${run.requestsPerSecond} req/s, p50 ${run.p50} ms, ` +
          `p99 ${run.p99} ms; server CPU ${run.serverCpu}%`,
      );
    }

    const pgbench = await runPgbench(server.database.url, {
      script: COUNTS_SQL,
      clients: connections,
      threads: 2,
      seconds,
      variables: { site: site.id, ids: JSON.stringify(ids) },
    });
    context.log(
      `pgbench -c ${connections} -j 2 -M prepared -T ${seconds} (same SQL): ${Math.round(pgbench.tps)} tps, avg ${pgbench.latencyAvgMs} ms`,
    );
    const baseline = Math.round(pgbench.tps);
    const row = (metric: string, townhall: number, target: boolean): BenchRow => {
      const value = ratio(townhall, baseline);
      return {
        scenario: 'counts',
        metric,
        townhall,
        baseline,
        baselineName: 'pgbench same SQL',
        ratio: value,
        target: target ? '≥ 0.5× baseline' : '',
        met: target && value !== null ? value >= 0.5 : null,
      };
    };
    const rows: BenchRow[] = [
      row(`GET /api/sites/:id/counts req/s, ${idCount} ids`, cached.requestsPerSecond, true),
      row(`  same, COUNTS_CACHE_MS=0 (SQL every time)`, uncached.requestsPerSecond, false),
      {
        scenario: 'counts',
        metric: 'GET counts p99 (ms), COUNTS_CACHE_MS=0',
        townhall: uncached.p99,
        baseline: pgbench.latencyAvgMs,
        baselineName: 'pgbench avg',
        ratio: null,
        target: '',
        met: null,
      },
    ];
    return {
      rows,
      details: {
        connections,
        seconds,
        idCount,
        cached,
        uncached,
        pgbench: { tps: pgbench.tps, command: pgbench.command },
      },
      problems,
    };
  },
};

interface CannonRun {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  serverCpu: number | null;
  problems: string[];
}

/** A warm-up, then `seconds` of autocannon on `path`, with the server's CPU sampled. */
async function cannon(
  base: string,
  pid: number,
  path: string,
  connections: number,
  seconds: number,
  smoke: boolean,
): Promise<CannonRun> {
  await autocannon({ url: `${base}${path}`, connections, duration: smoke ? 0.5 : 2 });
  const sampler = startSampler(pid);
  const result = await autocannon({ url: `${base}${path}`, connections, duration: seconds });
  const samples = sampler.stop();
  return {
    requestsPerSecond: Math.round(result['2xx'] / result.duration),
    p50: result.latency.p50,
    p99: result.latency.p99,
    serverCpu: average(samples.map((sample) => sample.serverCpu)),
    problems:
      result.non2xx || result.errors
        ? [`${result.non2xx} non-2xx answers, ${result.errors} connection errors at ${base}`]
        : [],
  };
}

function average(values: (number | null)[]): number | null {
  const present = values.filter((value): value is number => value !== null);
  return present.length
    ? Math.round((present.reduce((a, b) => a + b, 0) / present.length) * 10) / 10
    : null;
}
