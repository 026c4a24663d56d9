/**
 * The two benchmarks of the moderation features (issue 16), each against a baseline measured
 * in the same run on the same server:
 *
 * - `comment-words`: comments posted over HTTP in a closed loop with a 5,000-entry banned list
 *   (4,500 words and 500 two-word phrases, none in the comments) vs with no words; eight phases
 *   in ABBA ABBA order, each on a fresh article, so drift hits both alike. Target:
 *   the cost of a post (1 ÷ throughput) ≤ 1.1× the cost without words.
 * - `comment-votes-hot`: votes on one hot comment (up → down → none per user, every request a
 *   change, never two in flight for one user) vs the same users voting on one hot article
 *   (`votes-hot`'s load, measured here with the same loop and connections). Target: comment
 *   votes/s ≥ article votes/s. Ends with a recount: the comment's score equals its stored votes
 *   and every acknowledged vote is the one stored.
 */
import { performance } from 'node:perf_hooks';
import { WordMatcher } from '../../../src/comment-policy/word-matcher';
import { seededRandom } from '../../support/seeded-random';
import { query } from '../../support/test-database';
import {
  type Account,
  ADMIN,
  api,
  type BenchServer,
  createArticle,
  KeepAliveClient,
  login,
  registerUsers,
  startBenchServer,
} from '../kit';
import { distribution, type Distribution, round1, startSampler } from '../measure';
import {
  type BenchContext,
  type BenchRow,
  intFlag,
  numberFlag,
  ratio,
  type Scenario,
  type ScenarioResult,
} from '../scenario';

const MAX_PROBLEMS_LISTED = 5;

const OPTIONS = {
  'vote-users': { type: 'string' },
  connections: { type: 'string' },
  duration: { type: 'string' },
  words: { type: 'string' },
  'cpu-prof': { type: 'boolean' },
} as const;

const USAGE = [
  '--vote-users N       comment-votes-hot: voters (default 200; smoke 10); comment-words: authors',
  '--connections N      HTTP keep-alive connections, one request each in flight (default 32)',
  '--duration S         seconds measured per phase, after a warm-up (default 20; smoke 3)',
  '--words N            comment-words: entries of the banned list (default 5000)',
  '--cpu-prof           the server writes a V8 CPU profile to bench-results/',
];

interface Sizes {
  users: number;
  connections: number;
  seconds: number;
  warmup: number;
  cpuProf: boolean;
}

function sizes(context: BenchContext): Sizes {
  const { values, smoke } = context;
  return {
    users: intFlag(values, 'vote-users', smoke ? 10 : 200, 1, 100_000),
    connections: intFlag(values, 'connections', smoke ? 4 : 32, 1, 10_000),
    seconds: numberFlag(values, 'duration', smoke ? 3 : 20, 0.5, 3600),
    warmup: smoke ? 0.5 : 2,
    cpuProf: values['cpu-prof'] === true,
  };
}

interface Loop {
  perSecond: number;
  latency: Distribution;
  /** mean server CPU, % of one core, over the measured window */
  serverCpu: number | null;
  failed: number;
  failures: string[];
  details: Record<string, unknown>;
}

/**
 * `connections` loops, each sending one request at a time (`next` picks it) for
 * `warmup + seconds`; a request counts when its answer arrives in the measured window.
 * `next` returns null when no request can be sent now (every slot busy): the loop waits a tick.
 */
async function closedLoop(
  server: BenchServer,
  size: Sizes,
  next: () => {
    method: string;
    path: string;
    token: string;
    body?: string;
    done: (status: number, body: string) => boolean;
  } | null,
): Promise<Loop> {
  const client = new KeepAliveClient(server.base, size.connections);
  const latencies: number[] = [];
  const failures: string[] = [];
  let failed = 0;
  let sent = 0;
  const startedAt = performance.now();
  const measureFrom = startedAt + size.warmup * 1000;
  const end = measureFrom + size.seconds * 1000;
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      const request = next();
      if (!request) {
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      const began = performance.now();
      sent++;
      try {
        const answer = await client.request(
          request.method,
          request.path,
          request.token,
          request.body,
        );
        const finished = performance.now();
        if (request.done(answer.status, answer.body)) {
          if (finished >= measureFrom && began <= end) latencies.push(finished - began);
        } else {
          failed++;
          if (failures.length < MAX_PROBLEMS_LISTED) {
            failures.push(`${answer.status} ${answer.body.slice(0, 200)}`);
          }
        }
      } catch (error) {
        failed++;
        request.done(0, '');
        if (failures.length < MAX_PROBLEMS_LISTED) failures.push((error as Error).message);
      }
    }
  };
  const sampler = startSampler(server.pid);
  await Promise.all(Array.from({ length: size.connections }, loop));
  const samples = sampler.stop().filter((sample) => sample.at >= measureFrom);
  client.close();
  const windowSeconds = (Math.min(performance.now(), end) - measureFrom) / 1000;
  const cpu = samples
    .map((sample) => sample.serverCpu)
    .filter((value): value is number => value !== null);
  const serverCpu = cpu.length ? round1(cpu.reduce((a, b) => a + b, 0) / cpu.length) : null;
  const perSecond = Math.round(latencies.length / windowSeconds);
  const latency = distribution(latencies);
  return {
    perSecond,
    latency,
    serverCpu,
    failed,
    failures,
    details: {
      connections: size.connections,
      sent,
      acknowledgedInWindow: latencies.length,
      windowSeconds: round1(windowSeconds),
      failed,
      latencyMs: latency,
      serverCpuPercent: serverCpu,
      // server CPU per request, ms: what one request costs the server
      cpuMsPerRequest:
        serverCpu === null || !perSecond ? null : round1((serverCpu * 10) / perSecond),
    },
  };
}

function summaryOf(loop: Loop): string {
  return (
    `${loop.perSecond}/s, p50 ${loop.latency.p50} ms, p99 ${loop.latency.p99} ms, ` +
    `server CPU ${loop.serverCpu}%`
  );
}

// ---------------------------------------------------------------------------------------------
// comment-words

/** A comment of a realistic length, none of whose words is on the list. */
const FILLER =
  'A reader comment of about the length readers write: it makes a point, qualifies it, and ' +
  'asks the author one follow-up question about the sources behind the second key takeaway?';

/** `count` list entries: pseudo-words of letters (a tenth of them two-word phrases). */
export function bannedList(count: number): string[] {
  const letters = 'bcdfghjklmnpqrstvwxz';
  const word = (n: number): string => {
    let out = 'q';
    do {
      out += letters[n % letters.length];
      n = Math.floor(n / letters.length);
    } while (n > 0);
    return `${out}x`;
  };
  return Array.from({ length: count }, (_, index) =>
    index % 10 === 9 ? `${word(index)} ${word(index + count)}` : word(index),
  );
}

const SETTINGS = { mode: 'post', suspectWords: [], editWindowSeconds: 900, holdLinks: false };

/** In this process: µs per `find` of a comment's text in a matcher of `words` (built once). */
function matcherMicros(words: string[], iterations: number): { buildMs: number; micros: number } {
  const builtAt = performance.now();
  const matcher = new WordMatcher(words);
  const buildMs = performance.now() - builtAt;
  let found = 0;
  const began = performance.now();
  for (let index = 0; index < iterations; index++) {
    if (matcher.find(`bench ${index} ${FILLER}`) !== null) found++;
  }
  const micros = ((performance.now() - began) * 1000) / iterations;
  if (found) throw new Error(`the matcher found ${found} banned entries in the bench comments`);
  return { buildMs: Math.round(buildMs * 10) / 10, micros: Math.round(micros * 100) / 100 };
}

export const commentWords: Scenario = {
  name: 'comment-words',
  summary: 'posting comments with a 5,000-entry banned list vs with none (same server)',
  options: OPTIONS,
  usage: USAGE,
  async run(context: BenchContext): Promise<ScenarioResult> {
    // eight phases: each half as long as the other scenarios' runs by default
    const size = {
      ...sizes(context),
      seconds: numberFlag(context.values, 'duration', context.smoke ? 2 : 10, 0.5, 3600),
    };
    const wordCount = intFlag(context.values, 'words', 5_000, 1, 10_000);
    const authors = Math.min(size.users, 50);
    const server = await startBenchServer({ cpuProf: size.cpuProf });
    context.log(`server pid ${server.pid} at ${server.base}, database ${server.database.name}`);
    const admin = await login(server.base, ADMIN.username, ADMIN.password);
    const users = await registerUsers(server.base, authors);
    const words = bannedList(wordCount);
    const setWords = (bannedWords: string[]) =>
      api(server.base, 'PUT', '/api/settings/moderation', {
        token: admin.token,
        body: { ...SETTINGS, bannedWords },
        expect: 200,
      });

    const problems: string[] = [];
    const phases: { words: boolean; loop: Loop }[] = [];
    let posted = 0;
    // warm-up, not counted: the first seconds of a new server (JIT, the planner's first
    // statistics) are slower than the rest and would weigh on the first phase
    {
      const warmArticle = await createArticle(server.base, admin, 'Words bench warm-up');
      await closedLoop(server, { ...size, seconds: context.smoke ? 1 : 8, warmup: 0 }, () => {
        const index = posted++;
        return {
          method: 'POST',
          path: `/api/articles/${warmArticle}/comments`,
          token: users[index % users.length]!.token,
          body: JSON.stringify({ body: `warm-up ${index} ${FILLER}` }),
          done: (status) => status === 201,
        };
      });
    }
    // ABBA ABBA: a drift of the machine's speed over the run (other jobs, JIT warm-up) falls on
    // both sides alike
    for (const withWords of [false, true, true, false, false, true, true, false]) {
      await setWords(withWords ? words : []);
      const articleId = await createArticle(
        server.base,
        admin,
        `Words bench ${withWords ? 'list' : 'none'} ${phases.length + 1}`,
      );
      const path = `/api/articles/${articleId}/comments`;
      const startedAt = new Date().toISOString().slice(11, 19);
      let wrongStatus = 0;
      const loop = await closedLoop(server, size, () => {
        const index = posted++;
        return {
          method: 'POST',
          path,
          token: users[index % users.length]!.token,
          body: JSON.stringify({ body: `bench ${index} ${FILLER}` }),
          done: (status, body) => {
            if (status !== 201) return false;
            // none of the list's entries is in the text: every comment is published
            if ((JSON.parse(body) as { status: string }).status !== 'visible') wrongStatus++;
            return true;
          },
        };
      });
      context.log(
        `${startedAt} UTC, ${withWords ? `${wordCount} words` : 'no words'}: ${summaryOf(loop)}`,
      );
      if (loop.failed) {
        problems.push(`${loop.failed} post(s) failed, e.g. ${loop.failures.join(' | ')}`);
      }
      if (wrongStatus) problems.push(`${wrongStatus} comment(s) not visible`);
      phases.push({ words: withWords, loop });
    }
    await setWords([]);
    const iterations = context.smoke ? 2_000 : 50_000;
    const micro = { list: matcherMicros(words, iterations), none: matcherMicros([], iterations) };
    context.log(
      `matcher in this process: ${micro.list.micros} µs per comment with ${wordCount} entries ` +
        `(built in ${micro.list.buildMs} ms), ${micro.none.micros} µs with none`,
    );

    const round2 = (value: number | null) =>
      value === null ? null : Math.round(value * 100) / 100;
    const mean = (withWords: boolean, pick: (loop: Loop) => number | null): number | null => {
      const values = phases
        .filter((phase) => phase.words === withWords)
        .map((phase) => pick(phase.loop))
        .filter((value): value is number => value !== null);
      return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
    };
    const rate = {
      list: round2(mean(true, (l) => l.perSecond)),
      none: round2(mean(false, (l) => l.perSecond)),
    };
    // what a post costs at this concurrency: the inverse of the throughput, in ms of wall time
    const cost = {
      list: rate.list ? 1000 / rate.list : null,
      none: rate.none ? 1000 / rate.none : null,
    };
    const cpuMs = (withWords: boolean) =>
      mean(withWords, (l) =>
        l.serverCpu === null || !l.perSecond ? null : (l.serverCpu * 10) / l.perSecond,
      );
    const costRatio =
      cost.list === null || cost.none === null ? null : round2(cost.list / cost.none);
    const name = 'comment-words';
    const baselineName = 'no words, same server';
    const row = (metric: string, townhall: number | null, baseline: number | null): BenchRow => ({
      scenario: name,
      metric,
      townhall,
      baseline,
      baselineName,
      ratio: ratio(townhall, baseline),
      target: '',
      met: null,
    });
    return {
      rows: [
        row(`comments posted/s, ${wordCount} banned entries`, rate.list, rate.none),
        {
          ...row(
            `post cost (ms, 1 ÷ throughput), ${wordCount} banned entries`,
            round2(cost.list),
            round2(cost.none),
          ),
          ratio: costRatio,
          target: '≤ 1.1× baseline',
          met: context.smoke || costRatio === null ? null : costRatio <= 1.1,
        },
        row('server CPU per post (ms)', round2(cpuMs(true)), round2(cpuMs(false))),
        row('banned-word check per post (µs, in-process)', micro.list.micros, micro.none.micros),
        row(
          'post latency p50 (ms)',
          round2(mean(true, (l) => l.latency.p50)),
          round2(mean(false, (l) => l.latency.p50)),
        ),
        row(
          'post latency p99 (ms)',
          round2(mean(true, (l) => l.latency.p99)),
          round2(mean(false, (l) => l.latency.p99)),
        ),
      ],
      details: {
        sizes: { ...size, authors, words: wordCount },
        matcher: { iterations, ...micro },
        phases: phases.map((phase) => ({
          words: phase.words ? wordCount : 0,
          ...phase.loop.details,
        })),
      },
      problems,
    };
  },
};

// ---------------------------------------------------------------------------------------------
// comment-votes-hot

const NONE = 0;
const UNKNOWN = 3;
const VALUES = [null, 'up', 'down'] as const;
const BODIES = ['', '{"value":"up"}', '{"value":"down"}'];

/**
 * Every user cycles its vote on `paths[slot % paths.length]` none → up → down → none; one
 * request per slot in flight. Slot = user × paths.length + path. Answers `states` for the
 * recount.
 */
async function voteLoop(
  server: BenchServer,
  size: Sizes,
  users: Account[],
  paths: string[],
  context: BenchContext,
  label: string,
): Promise<{ loop: Loop; states: Uint8Array; wrongAnswers: number }> {
  const slotCount = users.length * paths.length;
  const loops = Math.min(size.connections, Math.max(1, Math.floor(slotCount / 2)));
  const states = new Uint8Array(slotCount);
  const busy = new Uint8Array(slotCount);
  const random = seededRandom(`${label} slots`, (line) => context.log(line));
  let wrongAnswers = 0;
  const loop = await closedLoop(server, { ...size, connections: loops }, () => {
    let slot = -1;
    for (let tries = 0; tries < 64; tries++) {
      const candidate = random.int(0, slotCount);
      if (!busy[candidate] && states[candidate] !== UNKNOWN) {
        slot = candidate;
        break;
      }
    }
    if (slot < 0) return null;
    busy[slot] = 1;
    const to = (states[slot]! + 1) % 3;
    return {
      method: to === NONE ? 'DELETE' : 'PUT',
      path: paths[slot % paths.length]!,
      token: users[Math.floor(slot / paths.length)]!.token,
      body: to === NONE ? undefined : BODIES[to],
      done: (status, body) => {
        busy[slot] = 0;
        if (status !== 200) {
          states[slot] = UNKNOWN;
          return false;
        }
        if ((JSON.parse(body) as { myVote: unknown }).myVote !== VALUES[to]) {
          wrongAnswers++;
          states[slot] = UNKNOWN;
          return true;
        }
        states[slot] = to;
        return true;
      },
    };
  });
  context.log(`${label}: ${summaryOf(loop)} (${loops} connections, ${users.length} users)`);
  return { loop, states, wrongAnswers };
}

export const commentVotesHot: Scenario = {
  name: 'comment-votes-hot',
  summary: 'votes on one hot comment vs votes on one hot article (same server, users, load)',
  options: OPTIONS,
  usage: USAGE,
  async run(context: BenchContext): Promise<ScenarioResult> {
    const size = sizes(context);
    const server = await startBenchServer({ cpuProf: size.cpuProf });
    context.log(`server pid ${server.pid} at ${server.base}, database ${server.database.name}`);
    const admin = await login(server.base, ADMIN.username, ADMIN.password);
    const began = performance.now();
    const users = await registerUsers(server.base, size.users);
    context.log(
      `${users.length} users registered in ${round1((performance.now() - began) / 1000)} s`,
    );
    const articleId = await createArticle(server.base, admin, `Comment votes bench ${Date.now()}`);
    // the hot comment, by the admin, so that every bench user may vote on it
    const comment = await api<{ id: string }>(
      server.base,
      'POST',
      `/api/articles/${articleId}/comments`,
      {
        token: admin.token,
        body: { body: 'The comment everybody votes on.' },
        expect: 201,
      },
    );
    const problems: string[] = [];

    // the baseline first: the article-vote load of votes-hot (two dimensions of one article)
    const article = await voteLoop(
      server,
      size,
      users,
      ['interesting', 'support'].map((d) => `/api/articles/${articleId}/votes/${d}`),
      context,
      'article votes, one article',
    );
    const hot = await voteLoop(
      server,
      size,
      users,
      [`/api/comments/${comment.id}/vote`],
      context,
      'comment votes, one comment',
    );
    for (const [label, run] of [
      ['article votes', article],
      ['comment votes', hot],
    ] as const) {
      if (run.loop.failed) {
        problems.push(
          `${label}: ${run.loop.failed} request(s) failed, e.g. ${run.loop.failures.join(' | ')}`,
        );
      }
      if (run.wrongAnswers)
        problems.push(`${label}: ${run.wrongAnswers} answer(s) with the wrong myVote`);
    }
    problems.push(...(await recountComment(server, comment.id, users, hot.states)));

    const earlier = context.previous.get('votes-hot')?.details.votesPerSecond;
    const name = 'comment-votes-hot';
    const hotRatio = ratio(hot.loop.perSecond, article.loop.perSecond);
    const rows: BenchRow[] = [
      {
        scenario: name,
        metric: 'acknowledged votes/s, one comment',
        townhall: hot.loop.perSecond,
        baseline: article.loop.perSecond,
        baselineName: 'article votes, one article',
        ratio: hotRatio,
        target: '≥ 1× baseline',
        met: context.smoke || hotRatio === null ? null : hotRatio >= 1,
      },
      {
        scenario: name,
        metric: 'vote latency p50 (ms)',
        townhall: hot.loop.latency.p50,
        baseline: article.loop.latency.p50,
        baselineName: 'article votes',
        ratio: ratio(hot.loop.latency.p50, article.loop.latency.p50),
        target: '',
        met: null,
      },
      {
        scenario: name,
        metric: 'vote latency p99 (ms)',
        townhall: hot.loop.latency.p99,
        baseline: article.loop.latency.p99,
        baselineName: 'article votes',
        ratio: ratio(hot.loop.latency.p99, article.loop.latency.p99),
        target: '',
        met: null,
      },
    ];
    if (typeof earlier === 'number') {
      rows.push({
        scenario: name,
        metric: 'votes/s, one comment ÷ votes-hot',
        townhall: hot.loop.perSecond,
        baseline: earlier,
        baselineName: 'votes-hot',
        ratio: ratio(hot.loop.perSecond, earlier),
        target: '',
        met: null,
      });
    }
    return {
      rows,
      details: {
        sizes: size,
        votesPerSecond: hot.loop.perSecond,
        commentVotes: hot.loop.details,
        articleVotes: article.loop.details,
      },
      problems,
    };
  },
};

/** The comment's score equals its stored votes, and every acknowledged vote is stored. */
async function recountComment(
  server: BenchServer,
  commentId: string,
  users: Account[],
  states: Uint8Array,
): Promise<string[]> {
  const url = server.database.url;
  const problems: string[] = [];
  const [row] = await query<{ score_up: number; score_down: number; up: number; down: number }>(
    url,
    `SELECT c.score_up, c.score_down,
            count(v.*) FILTER (WHERE v.value = 'up')::int AS up,
            count(v.*) FILTER (WHERE v.value = 'down')::int AS down
       FROM comments c LEFT JOIN comment_votes v ON v.comment_id = c.id
      WHERE c.id = $1 GROUP BY c.id`,
    [commentId],
  );
  if (!row || row.score_up !== row.up || row.score_down !== row.down) {
    problems.push(`comment score ≠ recount: ${JSON.stringify(row)}`);
  }
  const stored = await query<{ user_id: string; value: string }>(
    url,
    'SELECT user_id, value FROM comment_votes WHERE comment_id = $1',
    [commentId],
  );
  const byUser = new Map(stored.map((vote) => [vote.user_id, vote.value]));
  let mismatches = 0;
  states.forEach((state, slot) => {
    if (state === UNKNOWN) return;
    if ((byUser.get(users[slot]!.id) ?? null) !== VALUES[state]) mismatches++;
  });
  if (mismatches) problems.push(`${mismatches} acknowledged comment vote(s) ≠ the stored one`);
  return problems;
}
