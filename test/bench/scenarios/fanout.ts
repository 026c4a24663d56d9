/**
 * `fanout`: N raw sockets subscribed to one article while votes arrive at a steady rate; every
 * `tally` event timed from the vote that it first shows and counted at every socket. Baseline in
 * the same run: the bare socket.io server (bare-server.ts) with the same N sockets, emitting a
 * `tally` payload of the same shape at the same rate, each triggered by one HTTP request.
 */
import { randomUUID } from 'node:crypto';
import {
  bareVoter,
  LIVE_BENCH_ENV,
  newObservations,
  type PhaseFigures,
  roomEmits,
  runPhase,
  startBareServer,
  townhallVoter,
} from '../fanout-phase';
import { query } from '../../support/test-database';
import { ADMIN, createArticle, login, registerUsers, startBenchServer } from '../kit';
import {
  type BenchContext,
  type BenchRow,
  intFlag,
  numberFlag,
  ratio,
  type Scenario,
  type ScenarioResult,
} from '../scenario';
import type { Tallies } from '../../../src/realtime/contract';

/** The fan-out load both servers take: sockets, votes per second, seconds, voters. */
export interface FanoutLoad {
  sockets: number;
  rate: number;
  duration: number;
  batch: number;
  users: number;
}

export function fanoutLoad(context: BenchContext): FanoutLoad {
  const { values, smoke, big } = context;
  return {
    sockets: intFlag(values, 'sockets', smoke ? 20 : big ? 10_000 : 5_000, 1, 20_000),
    // --big keeps the messages per second near the default's 25,000 (5,000 × 5): 10,000 × 5
    // saturates one core here, bare socket.io and Townhall alike, and a saturated server
    // measures its backlog (voters fall behind), not its cost per message
    rate: numberFlag(values, 'vote-rate', big ? 3 : 5, 0.1, 500),
    duration: numberFlag(values, 'duration', smoke ? 3 : 20, 1, 600),
    batch: intFlag(values, 'batch', 200, 1, 5_000),
    users: intFlag(values, 'users', smoke ? 4 : 50, 2, 1_000),
  };
}

/** The article's tallies as stored (what every socket must end on). */
async function storedTallies(databaseUrl: string, articleId: string): Promise<Tallies> {
  const [row] = await query<Record<string, number>>(
    databaseUrl,
    `SELECT interesting_up, interesting_down, support_up, support_down FROM articles WHERE id = $1`,
    [articleId],
  );
  if (!row) throw new Error(`article ${articleId} not in the database`);
  return {
    interesting: { up: Number(row.interesting_up), down: Number(row.interesting_down) },
    support: { up: Number(row.support_up), down: Number(row.support_down) },
  };
}

/** One Townhall phase: a new article, `users` voting, sockets spread over `bases`. */
export async function townhallFanout(
  load: FanoutLoad,
  databaseUrl: string,
  bases: string[],
  pids: number[],
  users: Awaited<ReturnType<typeof registerUsers>>,
  context: BenchContext,
): Promise<PhaseFigures> {
  const base = bases[0]!;
  const admin = await login(base, ADMIN.username, ADMIN.password);
  const articleId = await createArticle(base, admin, `Fan-out bench ${new Date().toISOString()}`);
  const quiet = await createArticle(base, admin, `Fan-out bench, no readers ${Date.now()}`);
  const seen = newObservations();
  return runPhase({
    event: 'tally',
    bases,
    pids,
    articleId,
    calibrate: townhallVoter(base, quiet, users, newObservations()),
    sockets: load.sockets,
    rate: load.rate,
    duration: load.duration,
    batch: load.batch,
    seen,
    send: townhallVoter(base, articleId, users, seen),
    emits: () => roomEmits(bases, 'tally'),
    finalTallies: () => storedTallies(databaseUrl, articleId),
    log: context.log,
  });
}

export async function bareFanout(load: FanoutLoad, context: BenchContext): Promise<PhaseFigures> {
  const bare = await startBareServer();
  const seen = newObservations();
  const articleId = randomUUID();
  try {
    return await runPhase({
      event: 'tally',
      bases: [bare.base],
      pids: [bare.pid],
      articleId,
      calibrate: bareVoter(bare.base, randomUUID(), load.users, newObservations()),
      sockets: load.sockets,
      rate: load.rate,
      duration: load.duration,
      batch: load.batch,
      seen,
      send: bareVoter(bare.base, articleId, load.users, seen),
      emits: async () => [(await bare.stats()).broadcasts],
      log: context.log,
    });
  } finally {
    await bare.stop();
  }
}

/** The rows every fan-out comparison prints: latency, delivery, rate, CPU, cost per message. */
export function fanoutRows(
  scenario: string,
  townhall: PhaseFigures,
  baseline: PhaseFigures,
  baselineName: string,
  targets: boolean,
  suffix = '',
): BenchRow[] {
  const row = (
    metric: string,
    th: number | null,
    base: number | null,
    target = '',
    met: boolean | null = null,
  ): BenchRow => ({
    scenario,
    metric: `${metric}${suffix}`,
    townhall: th,
    baseline: base,
    baselineName,
    ratio: ratio(th, base),
    target,
    met: targets ? met : null,
  });
  const p99 = townhall.latencyMs.p99;
  const bareP99 = baseline.latencyMs.p99;
  const delivered = townhall.deliveredPercent;
  return [
    row('vote → tally p50 (ms)', townhall.latencyMs.p50, baseline.latencyMs.p50),
    row(
      'vote → tally p99 (ms)',
      p99,
      bareP99,
      '≤ baseline + 100 ms',
      p99 !== null && bareP99 !== null ? p99 <= bareP99 + 100 : null,
    ),
    row(
      'tally delivered / expected (%)',
      delivered,
      baseline.deliveredPercent,
      '≥ 99.9 %',
      delivered === null ? null : delivered >= 99.9,
    ),
    row(
      'tally events per socket per s',
      townhall.eventsPerSocketPerSecond,
      baseline.eventsPerSocketPerSecond,
    ),
    row('server CPU (% of one core)', townhall.serverCpuPercent, baseline.serverCpuPercent),
    row(
      'server CPU per delivered msg, gross (µs, /proc)',
      townhall.grossCostUs,
      baseline.grossCostUs,
    ),
    row(
      'emit cost (server CPU µs per delivered msg)',
      townhall.emitCostUs,
      baseline.emitCostUs,
      '≤ 1.1× baseline',
      townhall.emitCostUs !== null && baseline.emitCostUs !== null
        ? townhall.emitCostUs <= 1.1 * baseline.emitCostUs
        : null,
    ),
  ];
}

export const fanout: Scenario = {
  name: 'fanout',
  summary: 'N sockets on one article, votes at a steady rate: vote → tally latency, delivery, CPU',
  options: {
    sockets: { type: 'string' },
    'vote-rate': { type: 'string' },
    duration: { type: 'string' },
    batch: { type: 'string' },
    users: { type: 'string' },
    'cpu-prof': { type: 'boolean' },
  },
  usage: [
    '--sockets N          subscribed sockets (default 5000; --big 10000; --smoke 20)',
    '--vote-rate R        votes per second (default 5; --big 3)',
    '--duration S         seconds of load per server (default 20; --smoke 3)',
    '--batch N            sockets connected at a time (default 200)',
    '--users N            voters (default 50)',
    '--cpu-prof           Townhall writes a V8 CPU profile to bench-results/ as it stops',
  ],
  async run(context: BenchContext): Promise<ScenarioResult> {
    const load = fanoutLoad(context);
    context.log(
      `${load.sockets} sockets, ${load.rate} votes/s for ${load.duration} s; bare socket.io first`,
    );
    const bare = await bareFanout(load, context);
    const server = await startBenchServer({
      cpuProf: context.values['cpu-prof'] === true,
      env: LIVE_BENCH_ENV,
    });
    const users = await registerUsers(server.base, load.users);
    context.log(`Townhall pid ${server.pid}`);
    const townhall = await townhallFanout(
      load,
      server.database.url,
      [server.base],
      [server.pid],
      users,
      context,
    );
    return {
      rows: fanoutRows(
        'fanout',
        townhall,
        bare,
        'bare socket.io',
        !context.smoke,
        `, ${load.sockets} sockets`,
      ),
      details: { load, townhall, bare },
      problems: [
        ...townhall.problems.map((problem) => `Townhall: ${problem}`),
        ...bare.problems.map((problem) => `bare: ${problem}`),
        ...(context.smoke && townhall.delivered !== townhall.expected
          ? [`Townhall delivered ${townhall.delivered} of ${townhall.expected} tally events`]
          : []),
      ],
    };
  },
};
