/**
 * `votes-spread` and `votes-hot`: users with real tokens change votes over HTTP in a closed loop
 * (every request changes the stored state: none → up → down → none per user, article and
 * dimension, never two requests of one such slot in flight), against pgbench running the same
 * SQL (votes-spread) or a single-row counter UPDATE (votes-hot) on the same database. Both end
 * with a recount: every article's tallies equal its stored votes, and every acknowledged vote is
 * the one stored.
 */
import { performance } from 'node:perf_hooks';
import { seededRandom } from '../../support/seeded-random';
import { query } from '../../support/test-database';
import {
  type Account,
  ADMIN,
  createArticle,
  KeepAliveClient,
  login,
  registerUsers,
  runPgbench,
  type PgbenchResult as PgbenchRun,
  startBenchServer,
  type BenchServer,
} from '../kit';
import {
  cpuSeconds,
  distribution,
  type Distribution,
  machineBusySeconds,
  round1,
  type Sample,
  startSampler,
} from '../measure';
import {
  type BenchContext,
  type BenchRow,
  intFlag,
  numberFlag,
  ratio,
  type Scenario,
  type ScenarioResult,
} from '../scenario';

/** A pgbench run and the machine's CPU per transaction during it. */
type PgbenchResult = PgbenchRun & { machineUsPerTransaction: number | null };

const DIMENSIONS = ['interesting', 'support'] as const;
/** Slot states; UNKNOWN: a request failed, so what is stored is not known (left out after). */
const NONE = 0;
const UNKNOWN = 3;
const VALUES = [null, 'up', 'down'] as const;
const BODIES = ['', '{"value":"up"}', '{"value":"down"}'];
/** Articles created at a time. */
const ARTICLE_BATCH = 10;
const MAX_PROBLEMS_LISTED = 5;

interface Sizes {
  users: number;
  articles: number;
  connections: number;
  seconds: number;
  warmup: number;
  pgbenchSeconds: number;
  pgbenchClients: number;
  cpuProf: boolean;
}

const OPTIONS = {
  'vote-users': { type: 'string' },
  'vote-articles': { type: 'string' },
  connections: { type: 'string' },
  duration: { type: 'string' },
  'pgbench-clients': { type: 'string' },
  'cpu-prof': { type: 'boolean' },
} as const;

const USAGE = [
  '--vote-users N       voters with real tokens (default 200; smoke 10)',
  '--vote-articles N    votes-spread: articles voted on (default 100; smoke 5)',
  '--connections N      HTTP keep-alive connections, one request each in flight (default 32)',
  '--duration S         seconds measured, after a warm-up (default 20; smoke 3); pgbench too',
  '--pgbench-clients N  pgbench -c (default 16; -j 2, -M prepared)',
  '--cpu-prof           the server writes a V8 CPU profile to bench-results/',
];

function sizes(context: BenchContext, articles: number): Sizes {
  const { values, smoke } = context;
  return {
    users: intFlag(values, 'vote-users', smoke ? 10 : 200, 1, 100_000),
    articles,
    connections: intFlag(values, 'connections', smoke ? 4 : 32, 1, 10_000),
    seconds: numberFlag(values, 'duration', smoke ? 3 : 20, 0.5, 3600),
    warmup: smoke ? 0.5 : 2,
    pgbenchSeconds: Math.max(1, Math.round(numberFlag(values, 'duration', smoke ? 2 : 20, 0.5))),
    pgbenchClients: intFlag(values, 'pgbench-clients', smoke ? 4 : 16, 1, 90),
    cpuProf: values['cpu-prof'] === true,
  };
}

function spreadArticles(context: BenchContext): number {
  return intFlag(context.values, 'vote-articles', context.smoke ? 5 : 100, 1, 100_000);
}

// ---------------------------------------------------------------------------------------------
// the scenarios

export const votesSpread: Scenario = {
  name: 'votes-spread',
  summary: 'votes over many articles through HTTP vs pgbench of a plain vote upsert',
  options: OPTIONS,
  usage: USAGE,
  async run(context) {
    const size = sizes(context, spreadArticles(context));
    const setup = await prepare(context, size);
    const load = await driveVotes(setup, size, context);
    const baseline = await pgbenchUpsert(setup.server, size, context);
    const problems = [...load.problems, ...(await recount(setup, load.states))];
    return voteResult('votes-spread', size, load, baseline, 'pgbench plain upsert', 0.3, problems);
  },
};

export const votesHot: Scenario = {
  name: 'votes-hot',
  summary: 'votes on one article through HTTP vs pgbench of a single-row UPDATE',
  options: OPTIONS,
  usage: USAGE,
  async run(context) {
    const size = sizes(context, 1);
    const setup = await prepare(context, size);
    const load = await driveVotes(setup, size, context);
    const baseline = await pgbenchCounter(setup.server, size, context);
    const problems = [...load.problems, ...(await recount(setup, load.states))];
    return voteResult('votes-hot', size, load, baseline, 'pgbench 1-row UPDATE', 1.5, problems);
  },
};

/** The rows of a vote scenario: throughput against pgbench, latency, CPU per vote. */
function voteResult(
  name: string,
  size: Sizes,
  load: Load,
  baseline: PgbenchResult,
  baselineName: string,
  target: number,
  problems: string[],
): ScenarioResult {
  const throughput = ratio(load.votesPerSecond, baseline.tps);
  return {
    rows: [
      {
        scenario: name,
        metric: 'acknowledged votes/s',
        townhall: load.votesPerSecond,
        baseline: baseline.tps,
        baselineName,
        ratio: throughput,
        target: `≥ ${target}× baseline`,
        met: meets(throughput, target),
      },
      ...latencyRows(name, load.latency, baseline),
      {
        scenario: name,
        metric: 'server CPU per acknowledged vote (µs, /proc)',
        townhall: load.cpu.serverUsPerVote,
        baseline: null,
        baselineName: '',
        ratio: null,
        target: '',
        met: null,
      },
      {
        scenario: name,
        metric: 'machine CPU per vote (µs, both cores)',
        townhall: load.cpu.machineUsPerVote,
        baseline: baseline.machineUsPerTransaction,
        baselineName: `${baselineName}, per transaction`,
        ratio: ratio(load.cpu.machineUsPerVote, baseline.machineUsPerTransaction),
        target: '',
        met: null,
      },
    ],
    details: {
      sizes: size,
      votesPerSecond: load.votesPerSecond,
      load: load.details,
      pgbench: pgbenchDetails(baseline),
    },
    problems,
  };
}

function meets(value: number | null, at: number): boolean | null {
  return value === null ? null : value >= at;
}

function latencyRows(scenario: string, latency: Distribution, baseline: PgbenchResult): BenchRow[] {
  return [
    {
      scenario,
      metric: 'vote latency p50 (ms)',
      townhall: latency.p50,
      baseline: baseline.latencyAvgMs,
      baselineName: 'pgbench avg',
      ratio: null,
      target: '',
      met: null,
    },
    {
      scenario,
      metric: 'vote latency p99 (ms)',
      townhall: latency.p99,
      baseline: null,
      baselineName: '',
      ratio: null,
      target: '',
      met: null,
    },
  ];
}

function pgbenchDetails(result: PgbenchResult): Record<string, unknown> {
  const { output, ...rest } = result;
  return { ...rest, output: output.split('\n').slice(-14).join('\n') };
}

// ---------------------------------------------------------------------------------------------
// setup: a server, an admin, voters, articles

interface Setup {
  server: BenchServer;
  admin: Account;
  users: Account[];
  articleIds: string[];
}

async function prepare(context: BenchContext, size: Sizes): Promise<Setup> {
  const server = await startBenchServer({ cpuProf: size.cpuProf });
  context.log(`server pid ${server.pid} at ${server.base}, database ${server.database.name}`);
  const admin = await login(server.base, ADMIN.username, ADMIN.password);
  const began = performance.now();
  const users = await registerUsers(server.base, size.users);
  context.log(
    `${users.length} users registered in ${seconds(began)} s (scrypt: ~0.2 s of CPU each)`,
  );
  const articleIds = await createArticles(server, admin, size.articles);
  return { server, admin, users, articleIds };
}

async function createArticles(server: BenchServer, admin: Account, count: number) {
  const ids: string[] = [];
  for (let start = 0; start < count; start += ARTICLE_BATCH) {
    const batch = Array.from({ length: Math.min(ARTICLE_BATCH, count - start) }, (_, k) =>
      createArticle(server.base, admin, `Bench article ${start + k + 1}`),
    );
    ids.push(...(await Promise.all(batch)));
  }
  return ids;
}

function seconds(since: number): number {
  return round1((performance.now() - since) / 1000);
}

// ---------------------------------------------------------------------------------------------
// the closed-loop load

interface Load {
  votesPerSecond: number;
  latency: Distribution;
  /** per slot (user × article × dimension): the state last acknowledged, or UNKNOWN */
  states: Uint8Array;
  problems: string[];
  details: Record<string, unknown>;
  /** CPU over the measured window ÷ votes acknowledged in it, µs */
  cpu: { serverUsPerVote: number | null; machineUsPerVote: number | null };
}

/**
 * `connections` loops, each sending one vote request at a time for `warmup + seconds`; a vote
 * counts (and its latency) when its answer arrives after the warm-up. Slot index =
 * (article × users + user) × 2 + dimension.
 */
async function driveVotes(setup: Setup, size: Sizes, context: BenchContext): Promise<Load> {
  const { users, articleIds } = setup;
  const slotCount = users.length * articleIds.length * DIMENSIONS.length;
  // with fewer free slots than loops, a loop would find none to take
  const loops = Math.min(size.connections, Math.max(1, Math.floor(slotCount / 2)));
  if (loops < size.connections) {
    context.log(`${loops} connections, not ${size.connections}: only ${slotCount} vote slots`);
  }
  const states = new Uint8Array(slotCount);
  const busy = new Uint8Array(slotCount);
  const paths = articleIds.flatMap((id) =>
    DIMENSIONS.map((dimension) => `/api/articles/${id}/votes/${dimension}`),
  );
  const client = new KeepAliveClient(setup.server.base, loops);
  const latencies: number[] = [];
  const failures: string[] = [];
  let failed = 0;
  let wrongAnswers = 0;
  let sent = 0;

  const random = seededRandom('vote slots', (line) => context.log(line));
  const pick = (): number => {
    for (;;) {
      const slot = random.int(0, slotCount);
      if (!busy[slot]) return slot;
    }
  };
  const startedAt = performance.now();
  const measureFrom = startedAt + size.warmup * 1000;
  const end = measureFrom + size.seconds * 1000;
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      const slot = pick();
      busy[slot] = 1;
      const from = states[slot]!;
      const to = (from + 1) % 3;
      const user = users[Math.floor(slot / 2) % users.length]!;
      const path = paths[Math.floor(slot / 2 / users.length) * 2 + (slot % 2)]!;
      const began = performance.now();
      sent++;
      try {
        const answer =
          to === NONE
            ? await client.request('DELETE', path, user.token)
            : await client.request('PUT', path, user.token, BODIES[to]);
        const done = performance.now();
        if (answer.status !== 200) {
          failed++;
          states[slot] = UNKNOWN;
          if (failures.length < MAX_PROBLEMS_LISTED) {
            failures.push(`${answer.status} ${answer.body.slice(0, 200)}`);
          }
        } else if ((JSON.parse(answer.body) as { myVote: unknown }).myVote !== VALUES[to]) {
          wrongAnswers++;
          states[slot] = UNKNOWN;
        } else {
          states[slot] = to;
          if (done >= measureFrom && began <= end) latencies.push(done - began);
        }
      } catch (error) {
        failed++;
        states[slot] = UNKNOWN;
        if (failures.length < MAX_PROBLEMS_LISTED) failures.push((error as Error).message);
      }
      // a slot whose state is unknown is not voted on again
      if (states[slot] !== UNKNOWN) busy[slot] = 0;
    }
  };

  // the server's and the machine's CPU from the warm-up's end to the window's end (/proc)
  const readCpu = () => ({ server: cpuSeconds(setup.server.pid), machine: machineBusySeconds() });
  const cpuAt: { from?: ReturnType<typeof readCpu>; to?: ReturnType<typeof readCpu> } = {};
  const fromTimer = setTimeout(() => (cpuAt.from = readCpu()), measureFrom - performance.now());
  const toTimer = setTimeout(() => (cpuAt.to = readCpu()), end - performance.now());
  const sampler = startSampler(setup.server.pid);
  await Promise.all(Array.from({ length: loops }, loop));
  clearTimeout(fromTimer);
  clearTimeout(toTimer);
  cpuAt.to ??= readCpu();
  const samples = sampler.stop().filter((sample) => sample.at >= measureFrom);
  client.close();

  // acknowledged within the measured window (answers of the last requests may end after it)
  const windowSeconds = (Math.min(performance.now(), end) - measureFrom) / 1000;
  const votesPerSecond = Math.round(latencies.length / windowSeconds);
  const latency = distribution(latencies);
  const load = summarize(samples);
  const perVote = (pick: (cpu: ReturnType<typeof readCpu>) => number | null): number | null => {
    const from = cpuAt.from ? pick(cpuAt.from) : null;
    const to = cpuAt.to ? pick(cpuAt.to) : null;
    return from === null || to === null || latencies.length === 0
      ? null
      : round1(((to - from) * 1e6) / latencies.length);
  };
  const cpu = {
    serverUsPerVote: perVote((at) => at.server),
    machineUsPerVote: perVote((at) => at.machine),
  };
  context.log(
    `${articleIds.length} article(s), ${users.length} users, ${loops} connections: ` +
      `${votesPerSecond} votes/s, p50 ${latency.p50} ms, p99 ${latency.p99} ms; ` +
      `${cpu.serverUsPerVote} µs server CPU per vote; ` +
      `CPU server ${load.serverCpu}%, bench ${load.clientCpu}%, machine ${load.machineCpu}% of 2 cores`,
  );
  if (load.clientCpu !== null && load.clientCpu > 60) {
    context.log(`the load generator used ${load.clientCpu}% of a core: it may limit the figure`);
  }
  const problems: string[] = [];
  if (failed) problems.push(`${failed} vote request(s) failed, e.g. ${failures.join(' | ')}`);
  if (wrongAnswers) problems.push(`${wrongAnswers} vote answer(s) carried the wrong myVote`);
  return {
    votesPerSecond,
    latency,
    states,
    problems,
    cpu,
    details: {
      cpuPerVoteUs: cpu,
      connections: loops,
      slots: slotCount,
      sent,
      acknowledgedInWindow: latencies.length,
      windowSeconds: round1(windowSeconds),
      failed,
      wrongAnswers,
      latencyMs: latency,
      cpu: load,
      votesPerServerCpuSecond: load.serverCpu
        ? Math.round(votesPerSecond / (load.serverCpu / 100))
        : null,
    },
  };
}

function summarize(samples: Sample[]): {
  serverCpu: number | null;
  clientCpu: number | null;
  machineCpu: number | null;
} {
  const mean = (pick: (sample: Sample) => number | null): number | null => {
    const values = samples.map(pick).filter((value): value is number => value !== null);
    return values.length ? round1(values.reduce((a, b) => a + b, 0) / values.length) : null;
  };
  return {
    serverCpu: mean((sample) => sample.serverCpu),
    clientCpu: mean((sample) => sample.clientCpu),
    machineCpu: mean((sample) => sample.machineCpu),
  };
}

// ---------------------------------------------------------------------------------------------
// the exactness checks

/**
 * Every article's tallies equal a recount of its stored votes (the server's articles: pgbench's
 * plain upserts move no counter), and
 * every vote the load saw acknowledged is the one stored.
 */
async function recount(setup: Setup, states: Uint8Array): Promise<string[]> {
  const url = setup.server.database.url;
  const problems: string[] = [];
  const wrongTallies = await query<{ id: string; stored: string; counted: string }>(
    url,
    `SELECT a.id,
            concat_ws('/', a.interesting_up, a.interesting_down, a.support_up, a.support_down) AS stored,
            concat_ws('/', coalesce(v.iu, 0), coalesce(v.id, 0), coalesce(v.su, 0), coalesce(v.sd, 0)) AS counted
       FROM articles a
       LEFT JOIN (
         SELECT article_id,
                count(*) FILTER (WHERE dimension = 'interesting' AND value = 'up') AS iu,
                count(*) FILTER (WHERE dimension = 'interesting' AND value = 'down') AS id,
                count(*) FILTER (WHERE dimension = 'support' AND value = 'up') AS su,
                count(*) FILTER (WHERE dimension = 'support' AND value = 'down') AS sd
           FROM votes WHERE article_id = ANY($1::uuid[]) GROUP BY article_id
       ) v ON v.article_id = a.id
      WHERE a.id = ANY($1::uuid[])
        AND (a.interesting_up, a.interesting_down, a.support_up, a.support_down)
            IS DISTINCT FROM (coalesce(v.iu, 0), coalesce(v.id, 0), coalesce(v.su, 0), coalesce(v.sd, 0))`,
    [setup.articleIds],
  );
  if (wrongTallies.length) {
    problems.push(
      `${wrongTallies.length} article(s) with tallies ≠ recount (interesting up/down, support ` +
        `up/down), e.g. ${wrongTallies
          .slice(0, MAX_PROBLEMS_LISTED)
          .map((row) => `${row.id}: ${row.stored} stored, ${row.counted} counted`)
          .join('; ')}`,
    );
  }

  const { users, articleIds } = setup;
  const stored = await query<{
    article_id: string;
    dimension: string;
    user_id: string;
    value: string;
  }>(
    url,
    `SELECT article_id, dimension, user_id, value FROM votes
      WHERE article_id = ANY($1::uuid[]) AND user_id = ANY($2::uuid[])`,
    [articleIds, users.map((user) => user.id)],
  );
  const storedBySlot = new Map(
    stored.map((row) => [`${row.article_id}:${row.user_id}:${row.dimension}`, row.value]),
  );
  let mismatches = 0;
  const examples: string[] = [];
  let unknown = 0;
  for (let slot = 0; slot < states.length; slot++) {
    const state = states[slot]!;
    if (state === UNKNOWN) {
      unknown++;
      continue;
    }
    const user = users[Math.floor(slot / 2) % users.length]!;
    const article = articleIds[Math.floor(slot / 2 / users.length)]!;
    const dimension = DIMENSIONS[slot % 2]!;
    const value = storedBySlot.get(`${article}:${user.id}:${dimension}`) ?? null;
    if (value !== VALUES[state]) {
      mismatches++;
      if (examples.length < MAX_PROBLEMS_LISTED) {
        examples.push(
          `${article} ${dimension} by ${user.username}: acknowledged ${VALUES[state]}, stored ${value}`,
        );
      }
    }
  }
  if (mismatches) {
    problems.push(
      `${mismatches} acknowledged vote(s) ≠ the stored one, e.g. ${examples.join('; ')}`,
    );
  }
  if (unknown) problems.push(`${unknown} slot(s) left unchecked after a failed request`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// the pgbench baselines

/** A deterministic UUID for pgbench's own row number `n` of a kind (`8`: users, `9`: articles). */
const uuidOf = (kind: 8 | 9, variable: string): string =>
  `('00000000-0000-4000-${kind}000-' || lpad(${variable}::text, 12, '0'))::uuid`;

/**
 * The baseline a user would compare a vote with: one vote per transaction, a plain
 * `INSERT … ON CONFLICT (article, dimension, user) DO UPDATE` of a random user's up or down
 * vote on a random article and dimension, no counters, no locks taken first. Its own users and
 * articles, so the HTTP rows are left alone.
 */
function upsertScript(): string {
  const dimension = `(CASE :d::int WHEN 1 THEN 'interesting' ELSE 'support' END)`;
  const value = `(CASE :v::int WHEN 1 THEN 'up' ELSE 'down' END)`;
  return [
    '\\set u random(1, :users)',
    '\\set a random(1, :articles)',
    '\\set d random(1, 2)',
    '\\set v random(1, 2)',
    `INSERT INTO votes (article_id, dimension, user_id, value, created_at, updated_at) ` +
      `VALUES (${uuidOf(9, ':a')}, ${dimension}, ${uuidOf(8, ':u')}, ${value}, now(), now()) ` +
      `ON CONFLICT (article_id, dimension, user_id) ` +
      `DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at;`,
    '',
  ].join('\n');
}

async function pgbenchUpsert(
  server: BenchServer,
  size: Sizes,
  context: BenchContext,
): Promise<PgbenchResult> {
  const url = server.database.url;
  await query(
    url,
    `INSERT INTO users (id, username, username_key, display_name, password_hash, role, created_at)
     SELECT ${uuidOf(8, 'n')}, 'pgbench_' || n, 'pgbench_' || n, 'pgbench ' || n, 'none', 'reader', now()
       FROM generate_series(1, $1::int) AS n`,
    [size.users],
  );
  await query(
    url,
    `INSERT INTO articles (id, slug, category, title, body, key_takeaways, published_at, updated_at)
     SELECT ${uuidOf(9, 'n')}, 'pgbench-' || n, 'Bench', 'pgbench article ' || n, '', '{}', now(), now()
       FROM generate_series(1, $1::int) AS n`,
    [size.articles],
  );
  return pgbench(url, upsertScript(), size, context, {
    users: size.users,
    articles: size.articles,
  });
}

async function pgbenchCounter(
  server: BenchServer,
  size: Sizes,
  context: BenchContext,
): Promise<PgbenchResult> {
  const url = server.database.url;
  await query(url, 'CREATE TABLE bench_counter (id int PRIMARY KEY, n bigint NOT NULL)');
  await query(url, 'INSERT INTO bench_counter VALUES (1, 0)');
  const result = await pgbench(
    url,
    'UPDATE bench_counter SET n = n + 1 WHERE id = 1;\n',
    size,
    context,
    {},
  );
  const [row] = await query<{ n: string }>(url, 'SELECT n FROM bench_counter WHERE id = 1');
  await query(url, 'DROP TABLE bench_counter');
  // every transaction pgbench counted is in the counter (it also counts the ones cut at -T)
  if (Number(row?.n) < result.transactions) {
    throw new Error(`pgbench counted ${result.transactions} updates, the counter has ${row?.n}`);
  }
  return result;
}

async function pgbench(
  url: string,
  script: string,
  size: Sizes,
  context: BenchContext,
  variables: Record<string, number>,
): Promise<PgbenchResult> {
  const { seed } = seededRandom('pgbench random()', (line) => context.log(line));
  const sampler = startSampler(null);
  const machineFrom = machineBusySeconds();
  const result = await runPgbench(url, {
    seed,
    script,
    clients: size.pgbenchClients,
    threads: 2,
    seconds: size.pgbenchSeconds,
    variables,
  });
  const machineTo = machineBusySeconds();
  const { machineCpu } = summarize(sampler.stop());
  const machineUsPerTransaction =
    machineFrom === null || machineTo === null || result.transactions === 0
      ? null
      : round1(((machineTo - machineFrom) * 1e6) / result.transactions);
  context.log(
    `pgbench -c ${size.pgbenchClients} -j 2 -M prepared -T ${size.pgbenchSeconds}: ` +
      `${Math.round(result.tps)} tps, avg ${result.latencyAvgMs} ms; machine ${machineCpu}% of 2 cores`,
  );
  if (result.failed) throw new Error(`pgbench: ${result.failed} failed transactions`);
  return { ...result, tps: Math.round(result.tps), machineUsPerTransaction };
}
