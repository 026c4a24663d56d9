/**
 * Soak test: `npm run soak -- [--minutes N] [--rate R] [--sockets N]`. Starts the compiled server
 * (with Redis), measures its capacity for 10 s with the mixed load (unless --rate is given),
 * then runs the same mix at half of it for N minutes (default 20) with N sockets subscribed,
 * and prints one line a minute: requests, errors, latency, the server's RSS and heap, and its
 * event-loop lag (prom-client's, from GET /metrics). The summary gives the RSS growth from the
 * first minutes after the warm-up to the last ones (target < 5 %), latency by kind of request,
 * the errors, and the acknowledged writes against what PostgreSQL holds.
 * Exit 1 when an acknowledged write is missing, a tally drifted, or a request failed.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/realtime/contract';
import { query } from '../support/test-database';
import {
  type Account,
  ADMIN,
  cleanup,
  createArticle,
  HTTP_TIMEOUT_MS,
  login,
  onCleanup,
  refreshAccount,
  registerUsers,
  sleep,
  startBenchServer,
} from './kit';
import { seededRandom } from '../support/seeded-random';
import { Churn, grownMaps, trackedEntries } from './churn';
import { distribution, mib, rssBytes } from './measure';

const USAGE = `usage: npm run soak -- [flags]
  --minutes N     minutes of load after the capacity probe (default 20)
  --rate R        requests per second; default: half the capacity measured in a 10 s probe
  --sockets N     sockets subscribed to the articles (default 50)
  --users N       accounts that vote and comment (default 40)
  --articles N    articles the load is spread over (default 4)
  --churn N       clients that connect, subscribe (or resubscribe with since), watch counts and
                  disconnect, over and over, on 100 more articles of a site (default 0); every
                  per-article map must be back to its size before them once they are gone`;

const PROBE_SECONDS = 10;
const PROBE_CONCURRENCY = 32;
/** Above this many requests in flight the open-loop load skips (and counts) a request. */
const MAX_IN_FLIGHT = 1_000;
const RSS_SAMPLE_MS = 10_000;
const RSS_GROWTH_TARGET = 0.05;
/** RSS swings with each major GC: growth compares windows of this many minutes, not minutes. */
const RSS_WINDOW_MINUTES = 3;
const DIMENSIONS = ['interesting', 'support'] as const;
/** Access tokens live 15 minutes: the load renews them every 10, as a client would. */
const REFRESH_EVERY_MS = 10 * 60_000;

interface Options {
  minutes: number;
  rate: number | null;
  sockets: number;
  users: number;
  articles: number;
  churn: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: 'string' },
      rate: { type: 'string' },
      sockets: { type: 'string' },
      users: { type: 'string' },
      articles: { type: 'string' },
      churn: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: string, raw: string | undefined, fallback: number, min: number): number => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      console.error(`--${name} must be an integer ≥ ${min} (got "${raw}")\n${USAGE}`);
      process.exit(2);
    }
    return value;
  };
  return {
    minutes: int('minutes', values.minutes, 20, 2),
    rate: values.rate === undefined ? null : int('rate', values.rate, 0, 1),
    sockets: int('sockets', values.sockets, 50, 0),
    users: int('users', values.users, 40, 2),
    articles: int('articles', values.articles, 4, 1),
    churn: int('churn', values.churn, 0, 0),
  };
}

// ---------------------------------------------------------------------------------------------
// the mixed load: votes (put and retract), comments, article and comment-list reads

const KINDS = ['vote', 'comment', 'article', 'comment list'] as const;
type Kind = (typeof KINDS)[number];

interface Tally {
  requests: number;
  errors: number;
  skipped: number;
  latencies: number[];
  /** the same latencies by what the request did */
  byKind: Record<Kind, number[]>;
  errorSamples: string[];
}
const newTally = (): Tally => ({
  requests: 0,
  errors: 0,
  skipped: 0,
  latencies: [],
  byKind: { vote: [], comment: [], article: [], 'comment list': [] },
  errorSamples: [],
});

class Load {
  /** ids of acknowledged comments */
  readonly comments = new Set<string>();
  /** `userIndex:articleId:dimension` → the last acknowledged vote */
  readonly votes = new Map<string, 'up' | 'down' | null>();
  /** a vote key with a request in flight: never two at once, so the last ack is the state */
  private readonly voting = new Set<string>();
  private readonly unsettled = new Set<string>();
  inFlight = 0;
  total = newTally();
  minute = newTally();
  private readonly tag = randomBytes(3).toString('hex');
  private n = 0;

  constructor(
    private readonly base: string,
    private readonly users: (Account & { index: number })[],
    private readonly articles: string[],
  ) {}

  /** One request of the mix; resolves when answered (never rejects). */
  async one(): Promise<void> {
    const n = this.n++;
    const user = this.users[n % this.users.length]!;
    const articleId = this.articles[Math.floor(n / 7) % this.articles.length]!;
    const kind = n % 10;
    this.inFlight++;
    const started = performance.now();
    let key: string | null = null;
    let what: Kind =
      kind < 5 ? 'vote' : kind < 7 ? 'comment' : kind < 9 ? 'article' : 'comment list';
    try {
      if (kind < 5) {
        const dimension = DIMENSIONS[n % 2]!;
        key = `${user.index}:${articleId}:${dimension}`;
        if (this.voting.has(key)) {
          key = null;
          what = 'article';
          await this.request('GET', `/api/articles/${articleId}`, 200);
        } else {
          this.voting.add(key);
          const value = kind === 4 ? null : n % 3 === 0 ? 'down' : 'up';
          const path = `/api/articles/${articleId}/votes/${dimension}`;
          const body = await this.request<{ myVote: 'up' | 'down' | null }>(
            value === null ? 'DELETE' : 'PUT',
            path,
            200,
            user.token,
            value === null ? undefined : { value },
          );
          if (body) {
            this.votes.set(key, body.myVote);
            this.unsettled.delete(key);
          } else {
            // not acknowledged: the stored vote may be either
            this.unsettled.add(key);
          }
        }
      } else if (kind < 7) {
        const body = await this.request<{ id: string }>(
          'POST',
          `/api/articles/${articleId}/comments`,
          201,
          user.token,
          { body: `soak ${this.tag} #${n}` },
        );
        if (body) this.comments.add(body.id);
      } else if (kind < 9) {
        await this.request('GET', `/api/articles/${articleId}`, 200, user.token);
      } else {
        await this.request('GET', `/api/articles/${articleId}/comments?limit=20`, 200);
      }
    } finally {
      if (key) this.voting.delete(key);
      this.inFlight--;
      const took = performance.now() - started;
      this.total.latencies.push(took);
      this.minute.latencies.push(took);
      this.minute.byKind[what].push(took);
    }
  }

  skip(): void {
    this.total.skipped++;
    this.minute.skipped++;
  }

  /** Vote keys whose last request was not acknowledged (their state is not known). */
  get unsettledVotes(): ReadonlySet<string> {
    return this.unsettled;
  }

  /** The body when the status is `expect`, else undefined (and an error is counted). */
  private async request<T>(
    method: string,
    path: string,
    expect: number,
    token?: string,
    body?: unknown,
  ): Promise<T | undefined> {
    this.total.requests++;
    this.minute.requests++;
    try {
      const response = await fetch(new URL(path, this.base), {
        method,
        headers: {
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      const text = await response.text();
      if (response.status === expect) return (text ? JSON.parse(text) : undefined) as T;
      this.fail(`${method} ${path}: ${response.status} ${text.slice(0, 120)}`);
    } catch (error) {
      this.fail(`${method} ${path}: ${(error as Error).message}`);
    }
    return undefined;
  }

  fail(what: string): void {
    this.total.errors++;
    this.minute.errors++;
    if (this.total.errorSamples.length < 10) this.total.errorSamples.push(what);
  }
}

/** Closed loop at a fixed concurrency for `seconds`: completed requests per second. */
async function probeCapacity(load: Load, seconds: number): Promise<number> {
  const until = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: PROBE_CONCURRENCY }, async () => {
      while (performance.now() < until) {
        await load.one();
        done++;
      }
    }),
  );
  return done / seconds;
}

/** Open loop: starts requests at `rate` per second until `until` (performance.now()). */
async function runAt(load: Load, rate: number, until: number): Promise<void> {
  const started = performance.now();
  let launched = 0;
  const pending = new Set<Promise<void>>();
  while (performance.now() < until) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    for (; launched < due; launched++) {
      if (load.inFlight >= MAX_IN_FLIGHT) {
        load.skip();
        continue;
      }
      const request = load.one();
      pending.add(request);
      void request.then(() => pending.delete(request));
    }
    await sleep(5);
  }
  await Promise.all(pending);
}

// ---------------------------------------------------------------------------------------------
// the server's figures

interface ServerFigures {
  rss: number | null;
  heapUsed: number | null;
  lagP99Ms: number | null;
  lagMaxMs: number | null;
  sockets: number | null;
}

/** RSS, heap and event-loop lag (since the previous scrape: prom-client resets it) from /metrics. */
async function scrape(base: string): Promise<ServerFigures> {
  const text = await fetch(new URL('/metrics', base), {
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  }).then((response) => response.text());
  const value = (name: string): number | null => {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
    return match ? Number(match[1]) : null;
  };
  const toMs = (seconds: number | null): number | null =>
    seconds === null ? null : Math.round(seconds * 10_000) / 10;
  return {
    rss: value('townhall_process_resident_memory_bytes'),
    heapUsed: value('townhall_nodejs_heap_size_used_bytes'),
    lagP99Ms: toMs(value('townhall_nodejs_eventloop_lag_p99_seconds')),
    lagMaxMs: toMs(value('townhall_nodejs_eventloop_lag_max_seconds')),
    sockets: value('townhall_sockets_connected'),
  };
}

function row(cells: (string | number)[], widths: number[]): string {
  return cells.map((cell, i) => String(cell).padStart(widths[i] ?? 10)).join('  ');
}

/** After the churn stops: presence forgets other instances' counts after 16 s. */
const CHURN_SETTLE_MS = 20_000;
const CHURN_ARTICLES = 100;

/** A site with CHURN_ARTICLES articles and the churning clients on them. */
async function startChurn(
  base: string,
  adminToken: string,
  clients: number,
): Promise<{ churn: Churn; trackedBefore: Record<string, number> }> {
  const auth = { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' };
  const site = (await (
    await fetch(new URL('/api/sites', base), {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'Soak site', origins: ['https://soak.example'] }),
    })
  ).json()) as { id: string };
  const ids: string[] = [];
  const externalIds: string[] = [];
  for (let i = 0; i < CHURN_ARTICLES; i++) {
    const externalId = `soak-${i}`;
    const article = (await (
      await fetch(new URL(`/api/sites/${site.id}/articles/${externalId}`, base), {
        method: 'PUT',
        headers: auth,
        body: JSON.stringify({ title: `Churn ${i}`, category: 'Soak' }),
      })
    ).json()) as { id: string };
    ids.push(article.id);
    externalIds.push(externalId);
    // a few events, so that a resubscribe with since has something to replay
    for (let k = 0; k < 3; k++) {
      await fetch(new URL(`/api/articles/${article.id}/comments`, base), {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ body: `churn ${i}.${k}` }),
      });
    }
  }
  const trackedBefore = await trackedEntries(base);
  const churn = new Churn(base, ids, seededRandom('soak churn'), {
    siteId: site.id,
    externalIds: externalIds.slice(0, 20),
  });
  churn.start(clients);
  onCleanup('stop the churn', () => churn.stop());
  console.log(`churn: ${clients} clients on ${CHURN_ARTICLES} articles of site ${site.id}`);
  return { churn, trackedBefore };
}

// ---------------------------------------------------------------------------------------------

async function main(options: Options): Promise<number> {
  const warmupMinutes = options.minutes >= 10 ? 2 : 1;
  console.log(
    `soak: ${options.minutes} min (warm-up ${warmupMinutes} min), ${options.sockets} sockets, ${options.users} users, ${options.articles} articles`,
  );
  const bench = await startBenchServer({ redis: true });
  const { base } = bench;
  const admin = await login(base, ADMIN.username, ADMIN.password);
  const articles: string[] = [];
  for (let i = 0; i < options.articles; i++) {
    articles.push(await createArticle(base, admin, `Soak ${i}`));
  }
  const users = (await registerUsers(base, options.users)).map((user, index) => ({
    ...user,
    index,
  }));

  // readers: subscribed sockets that count what they receive and any disconnect
  const sockets: Socket<ServerToClientEvents, ClientToServerEvents>[] = [];
  onCleanup('close sockets', async () => {
    for (const socket of sockets) socket.close();
  });
  let events = 0;
  let disconnects = 0;
  for (let i = 0; i < options.sockets; i++) {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(base, {
      transports: ['websocket'],
      forceNew: true,
    });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const ack = await socket
      .timeout(HTTP_TIMEOUT_MS)
      .emitWithAck('subscribe', { articleId: articles[i % articles.length]! });
    if (!ack.ok) throw new Error(`subscribe refused: ${JSON.stringify(ack)}`);
    socket.onAny(() => events++);
    socket.on('disconnect', () => disconnects++);
  }

  const churn = options.churn > 0 ? await startChurn(base, admin.token, options.churn) : null;
  const trackedBefore = churn?.trackedBefore ?? {};

  const load = new Load(base, users, articles);
  let rate = options.rate;
  if (rate === null) {
    const capacity = await probeCapacity(load, PROBE_SECONDS);
    rate = Math.max(1, Math.round(capacity / 2));
    console.log(
      `capacity probe: ${capacity.toFixed(0)} requests/s at concurrency ${PROBE_CONCURRENCY}; soaking at ${rate}/s`,
    );
  } else {
    console.log(`soaking at ${rate} requests/s (--rate)`);
  }
  // like any client, renew the tokens before they expire; a failed renewal is an error
  let refreshes = 0;
  const refresher = setInterval(() => {
    for (const user of users) {
      refreshAccount(base, user).then(
        () => void refreshes++,
        (error: unknown) => load.fail(`refresh ${user.username}: ${(error as Error).message}`),
      );
    }
  }, REFRESH_EVERY_MS);
  onCleanup('stop renewing tokens', async () => clearInterval(refresher));

  await scrape(base); // resets the lag histogram: the first minute starts clean
  load.minute = newTally();
  load.total.latencies = [];

  const widths = [6, 9, 7, 7, 9, 9, 11, 11, 10, 10, 8, 8];
  console.log(
    row(
      [
        'minute',
        'requests',
        'req/s',
        'errors',
        'p50 ms',
        'p99 ms',
        'RSS',
        'heap used',
        'lag p99',
        'lag max',
        'sockets',
        'tracked',
      ],
      widths,
    ),
  );
  const rssByMinute: number[][] = [];
  const minutes: (ServerFigures & { minute: number; requests: number; errors: number })[] = [];
  const kindsByMinute: Tally['byKind'][] = [];
  const start = performance.now();
  for (let minute = 1; minute <= options.minutes; minute++) {
    const samples: number[] = [];
    rssByMinute.push(samples);
    const sampler = setInterval(() => {
      const rss = rssBytes(bench.pid);
      if (rss !== null) samples.push(rss);
    }, RSS_SAMPLE_MS);
    await runAt(load, rate, start + minute * 60_000);
    clearInterval(sampler);
    const figures = await scrape(base);
    const tracked = Object.values(await trackedEntries(base)).reduce((a, b) => a + b, 0);
    if (figures.rss !== null) samples.push(figures.rss);
    const done = load.minute;
    load.minute = newTally();
    const latency = distribution(done.latencies);
    minutes.push({ minute, requests: done.requests, errors: done.errors, ...figures });
    kindsByMinute.push(done.byKind);
    console.log(
      row(
        [
          minute,
          done.requests,
          (done.requests / 60).toFixed(1),
          done.errors,
          latency.p50 ?? 'n/a',
          latency.p99 ?? 'n/a',
          mib(figures.rss),
          mib(figures.heapUsed),
          figures.lagP99Ms === null ? 'n/a' : `${figures.lagP99Ms} ms`,
          figures.lagMaxMs === null ? 'n/a' : `${figures.lagMaxMs} ms`,
          figures.sockets ?? 'n/a',
          tracked,
        ],
        widths,
      ),
    );
  }

  // ---- the churn gone, what the server still tracks ------------------------------------------
  let grown: string[] = [];
  if (churn) {
    await churn.churn.stop();
    await sleep(CHURN_SETTLE_MS);
    grown = grownMaps(trackedBefore, await trackedEntries(base));
  }

  // ---- what PostgreSQL holds -----------------------------------------------------------------
  const ids = [...load.comments];
  const [{ found } = { found: 0 }] = await query<{ found: number }>(
    bench.database.url,
    'SELECT count(*)::int AS found FROM comments WHERE id = ANY($1::uuid[])',
    [ids],
  );
  const stored = await query<{
    user_id: string;
    article_id: string;
    dimension: string;
    value: string;
  }>(bench.database.url, 'SELECT user_id, article_id, dimension, value FROM votes');
  const userIds = await query<{ id: string; username: string }>(
    bench.database.url,
    'SELECT id, username FROM users',
  );
  const indexOf = new Map(
    userIds.map((u) => [u.id, users.find((user) => user.username === u.username)?.index]),
  );
  const storedVotes = new Map(
    stored.map((v) => [`${indexOf.get(v.user_id)}:${v.article_id}:${v.dimension}`, v.value]),
  );
  let votesEqual = 0;
  const votesWrong: string[] = [];
  for (const [key, acked] of load.votes) {
    if (load.unsettledVotes.has(key)) continue;
    if ((storedVotes.get(key) ?? null) === acked) votesEqual++;
    else votesWrong.push(`${key}: acknowledged ${acked}, stored ${storedVotes.get(key) ?? null}`);
  }
  const drift = await query<{ id: string }>(
    bench.database.url,
    `SELECT a.id FROM articles a
      WHERE a.interesting_up <> (SELECT count(*) FROM votes v WHERE v.article_id = a.id AND v.dimension = 'interesting' AND v.value = 'up')
         OR a.interesting_down <> (SELECT count(*) FROM votes v WHERE v.article_id = a.id AND v.dimension = 'interesting' AND v.value = 'down')
         OR a.support_up <> (SELECT count(*) FROM votes v WHERE v.article_id = a.id AND v.dimension = 'support' AND v.value = 'up')
         OR a.support_down <> (SELECT count(*) FROM votes v WHERE v.article_id = a.id AND v.dimension = 'support' AND v.value = 'down')
         OR a.comment_count <> (SELECT count(*) FROM comments c WHERE c.article_id = a.id AND c.status = 'visible')`,
  );

  // ---- summary --------------------------------------------------------------------------------
  // RSS: every sample of the first minutes after the warm-up against every sample of the last
  // ones (median and floor, the floor being what is left after a major GC)
  const window = Math.max(
    1,
    Math.min(RSS_WINDOW_MINUTES, Math.floor((options.minutes - warmupMinutes) / 2)),
  );
  const early = rssByMinute.slice(warmupMinutes, warmupMinutes + window).flat();
  const late = rssByMinute.slice(-window).flat();
  const firstWindow = `${warmupMinutes + 1}–${warmupMinutes + window}`;
  const lastWindow = `${options.minutes - window + 1}–${options.minutes}`;
  const median = (values: number[]): number | null => distribution(values).p50;
  const floor = (values: number[]): number | null => (values.length ? Math.min(...values) : null);
  const change = (from: number | null, to: number | null): number | null =>
    from !== null && to !== null ? (to - from) / from : null;
  const percent = (value: number | null): string =>
    value === null ? 'n/a' : `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)} %`;
  const growth = change(median(early), median(late));
  const floorGrowth = change(floor(early), floor(late));
  const byKind = (figures: Tally['byKind'] | undefined): string =>
    KINDS.map((kind) => {
      const d = distribution(figures?.[kind] ?? []);
      return `${kind} ${d.p50 ?? 'n/a'}/${d.p99 ?? 'n/a'}`;
    }).join(', ');
  const heapAfterWarmup = minutes[warmupMinutes - 1]?.heapUsed ?? null;
  const heapFinal = minutes.at(-1)?.heapUsed ?? null;
  const latency = distribution(load.total.latencies);
  const lags = minutes.map((m) => m.lagMaxMs).filter((v): v is number => v !== null);
  const problems = [
    ...(load.total.errors ? [`${load.total.errors} requests failed`] : []),
    ...(found !== ids.length ? [`${ids.length - found} acknowledged comments missing`] : []),
    ...(votesWrong.length ? [`${votesWrong.length} votes differ from the acknowledged state`] : []),
    ...(drift.length ? [`${drift.length} articles' tallies differ from a recount`] : []),
    ...(grown.length ? [`maps grew with the churn: ${grown.join(', ')}`] : []),
    ...(churn?.churn.counts.failures
      ? [`${churn.churn.counts.failures} churn subscribes/watches failed`]
      : []),
  ];
  console.log(
    [
      '',
      `summary after ${((performance.now() - start) / 60_000).toFixed(1)} min at ${rate} requests/s:`,
      `  requests: ${load.total.requests} sent, ${load.total.errors} errors, ${load.total.skipped} skipped (over ${MAX_IN_FLIGHT} in flight); latency p50 ${latency.p50} ms, p99 ${latency.p99} ms, max ${latency.max} ms`,
      `  latency p50/p99 ms by kind, minute ${warmupMinutes + 1}: ${byKind(kindsByMinute[warmupMinutes])}`,
      `  latency p50/p99 ms by kind, minute ${options.minutes}: ${byKind(kindsByMinute.at(-1))}`,
      `  RSS median of minutes ${firstWindow} → ${lastWindow}: ${mib(median(early))} → ${mib(median(late))}, ${percent(growth)} (target < ${RSS_GROWTH_TARGET * 100} %: ${growth === null ? 'n/a' : growth < RSS_GROWTH_TARGET ? 'met' : 'NOT met'}); floor ${mib(floor(early))} → ${mib(floor(late))}, ${percent(floorGrowth)} (${early.length} and ${late.length} samples)`,
      `  heap used: ${mib(heapAfterWarmup)} after the warm-up → ${mib(heapFinal)} at the end; event-loop lag max over the minutes: ${lags.length ? Math.max(...lags) : 'n/a'} ms`,
      `  writes: ${ids.length} comments acknowledged, ${found} found; ${load.votes.size} vote states acknowledged, ${votesEqual} equal to the stored vote (${load.unsettledVotes.size} unsettled after an error); tallies drifted on ${drift.length} of ${articles.length} articles`,
      `  tokens: ${refreshes} renewals (every ${REFRESH_EVERY_MS / 60_000} min per user)`,
      `  sockets: ${options.sockets} subscribed, ${events} events received, ${disconnects} disconnects`,
      ...(churn
        ? [
            `  churn: ${options.churn} clients, ${churn.churn.counts.cycles} connect/subscribe/disconnect cycles, ${churn.churn.counts.refusedForBudget} resubscribes refused by the replay budget, ${churn.churn.counts.failures} failures; tracked entries before ${JSON.stringify(trackedBefore)}, grown after: ${grown.length ? grown.join(', ') : 'none'}`,
            ...churn.churn.counts.failureSamples.map((sample) => `  churn failure: ${sample}`),
          ]
        : []),
      ...load.total.errorSamples.map((sample) => `  error: ${sample}`),
      ...votesWrong.slice(0, 5).map((line) => `  vote: ${line}`),
      // what the server logged about them (LOG_LEVEL=warn: warnings and errors only)
      ...(problems.length
        ? bench.server
            .output()
            .split('\n')
            .filter((line) => line.trim() !== '')
            .slice(-5)
            .map((line) => `  server: ${line.slice(0, 400)}`)
        : []),
      problems.length
        ? `FAILED: ${problems.join('; ')}`
        : 'OK: no errors, no acknowledged write lost',
    ].join('\n'),
  );
  return problems.length || disconnects ? 1 : 0;
}

const options = parseOptions(process.argv.slice(2));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}
main(options).then(
  (code) => cleanup().then(() => process.exit(code)),
  (error: unknown) => {
    console.error(error);
    void cleanup().finally(() => process.exit(1));
  },
);
