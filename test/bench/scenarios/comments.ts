/**
 * `comments`: readers subscribed to one article while comments are posted at a steady rate;
 * post → `comment.created` timed at every receiving socket, delivery counted, `seq` checked to
 * be 1, 2, 3, … at each. Baseline in the same run: the bare socket.io server emitting a
 * `comment.created` payload of the same shape (same body) at the same rate, one HTTP request in
 * per emit.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  bareBroadcast,
  LIVE_BENCH_ENV,
  newObservations,
  type PhaseFigures,
  roomEmits,
  runPhase,
  startBareServer,
} from '../fanout-phase';
import { ADMIN, api, createArticle, login, registerUsers, startBenchServer } from '../kit';
import {
  type BenchContext,
  type BenchRow,
  intFlag,
  numberFlag,
  ratio,
  type Scenario,
  type ScenarioResult,
} from '../scenario';

/** A comment of a realistic length; the marker before it tells the bench which post it is. */
const FILLER =
  'A reader comment of about the length readers write: it makes a point, qualifies it, and asks ' +
  'the author one follow-up question about the sources behind the second key takeaway?';
const bodyOf = (index: number): string => `bench-${index} ${FILLER}`;

export const comments: Scenario = {
  name: 'comments',
  summary: 'readers on one article, comments at a steady rate: post → comment.created latency',
  options: {
    readers: { type: 'string' },
    'comment-rate': { type: 'string' },
    duration: { type: 'string' },
    batch: { type: 'string' },
    users: { type: 'string' },
    'cpu-prof': { type: 'boolean' },
  },
  usage: [
    '--readers N          subscribed sockets (default 1000; --smoke 20)',
    '--comment-rate R     comments per second (default 50)',
    '--duration S         seconds of load per server (default 20; --smoke 3)',
    '--users N            commenters (default 50)',
  ],
  async run(context: BenchContext): Promise<ScenarioResult> {
    const { values, smoke, log } = context;
    const readers = intFlag(values, 'readers', smoke ? 20 : 1_000, 1, 20_000);
    const rate = numberFlag(values, 'comment-rate', 50, 0.1, 1_000);
    const duration = numberFlag(values, 'duration', smoke ? 3 : 20, 1, 600);
    const batch = intFlag(values, 'batch', 200, 1, 5_000);
    const userCount = intFlag(values, 'users', smoke ? 4 : 50, 1, 1_000);
    const load = { readers, rate, duration, batch, users: userCount };
    log(`${readers} readers, ${rate} comments/s for ${duration} s; bare socket.io first`);

    const bare = await startBareServer();
    const bareSeen = newObservations();
    const bareArticle = randomUUID();
    const bareAuthor = { id: randomUUID(), username: 'bench_author', displayName: 'bench_author' };
    let baseline: PhaseFigures;
    try {
      baseline = await runPhase({
        event: 'comment',
        bases: [bare.base],
        pids: [bare.pid],
        articleId: bareArticle,
        sockets: readers,
        rate,
        duration,
        batch,
        seen: bareSeen,
        send: (index) => {
          const body = bodyOf(index);
          bareSeen.commentSentAt.set(body, performance.now());
          return bareBroadcast(bare.base, 'comment.created', {
            articleId: bareArticle,
            seq: 0,
            comment: {
              id: randomUUID(),
              articleId: bareArticle,
              parentId: null,
              author: bareAuthor,
              body,
              status: 'visible',
              replyCount: 0,
              createdAt: new Date().toISOString(),
              editedAt: null,
            },
          });
        },
        emits: async () => [(await bare.stats()).broadcasts],
        log,
      });
    } finally {
      await bare.stop();
    }

    const server = await startBenchServer({
      cpuProf: values['cpu-prof'] === true,
      env: LIVE_BENCH_ENV,
    });
    const admin = await login(server.base, ADMIN.username, ADMIN.password);
    const articleId = await createArticle(server.base, admin, `Comments bench ${Date.now()}`);
    const users = await registerUsers(server.base, userCount);
    const seen = newObservations();
    const townhall = await runPhase({
      event: 'comment',
      bases: [server.base],
      pids: [server.pid],
      articleId,
      sockets: readers,
      rate,
      duration,
      batch,
      seen,
      send: (index) => {
        const body = bodyOf(index);
        seen.commentSentAt.set(body, performance.now());
        return api(server.base, 'POST', `/api/articles/${articleId}/comments`, {
          token: users[index % users.length]!.token,
          body: { body },
          expect: 201,
        });
      },
      emits: () => roomEmits([server.base], 'comment.created'),
      log,
    });

    const targets = !smoke;
    const row = (
      metric: string,
      th: number | null,
      base: number | null,
      target = '',
      met: boolean | null = null,
    ): BenchRow => ({
      scenario: 'comments',
      metric: `${metric}, ${readers} readers`,
      townhall: th,
      baseline: base,
      baselineName: 'bare socket.io',
      ratio: ratio(th, base),
      target,
      met: targets ? met : null,
    });
    const p99 = townhall.latencyMs.p99;
    const bareP99 = baseline.latencyMs.p99;
    const cpuRatio = ratio(townhall.serverCpuPercent, baseline.serverCpuPercent);
    const rows = [
      row('post → comment.created p50 (ms)', townhall.latencyMs.p50, baseline.latencyMs.p50),
      row(
        'post → comment.created p99 (ms)',
        p99,
        bareP99,
        '≤ 2× baseline',
        p99 === null || bareP99 === null ? null : p99 <= 2 * bareP99,
      ),
      row(
        'comment.created delivered / expected (%)',
        townhall.deliveredPercent,
        baseline.deliveredPercent,
        '= 100 %, seq exact',
        townhall.deliveredPercent === 100 && townhall.seqProblems === 0,
      ),
      row(
        'server CPU (% of one core, /proc)',
        townhall.serverCpuPercent,
        baseline.serverCpuPercent,
        '≤ 1.3× baseline',
        cpuRatio === null ? null : cpuRatio <= 1.3,
      ),
      row(
        'server CPU per delivered msg, gross (µs, /proc)',
        townhall.grossCostUs,
        baseline.grossCostUs,
      ),
    ];
    const problems = [
      ...townhall.problems.map((problem) => `Townhall: ${problem}`),
      ...baseline.problems.map((problem) => `bare: ${problem}`),
    ];
    if (
      townhall.delivered !== townhall.expected ||
      townhall.writes.ok * townhall.sockets.connected !== townhall.expected
    ) {
      problems.push(
        `Townhall delivered ${townhall.delivered} comment.created of ${townhall.expected} ` +
          `(${townhall.writes.ok} comments × ${townhall.sockets.connected} readers)`,
      );
    }
    if (townhall.foreignComments)
      problems.push(`Townhall: ${townhall.foreignComments} unknown comments`);
    return { rows, details: { load, townhall, bare: baseline }, problems };
  },
};
