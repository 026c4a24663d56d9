/**
 * Fan-out benchmark: N sockets subscribed to one article while votes and comments are written
 * at a steady rate; measures delivery, write→receipt latency, tally coalescing, tally
 * correctness and the server's memory and CPU. `npm run bench:fanout -- --help` for the flags.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { CommentCreatedEvent, Tallies, TallyEvent } from '../../src/realtime/contract';
import { startServer, type ServerProcess } from '../support/server-process';
import { createTestDatabase, TEST_REDIS_URL } from '../support/test-database';
import { type BenchSocket, type ClientKind, connectors, type EventSink } from './clients';
import {
  cpuSeconds,
  type Distribution,
  distribution,
  mib,
  ms,
  round1,
  rssBytes,
  type Sample,
  startSampler,
} from './measure';

const RESULTS_DIR = resolve(__dirname, '../../bench-results');
const ADMIN = { username: 'bench_admin', password: 'bench-admin-password-1' };
const JWT_SECRET = 'fanout-bench-secret-that-is-longer-than-32-characters';
const HTTP_TIMEOUT_MS = 15_000;
const CONNECT_TIMEOUT_MS = 30_000;
const WRITES_DRAIN_TIMEOUT_MS = 30_000;
const CLEANUP_STEP_TIMEOUT_MS = 25_000;
const REGISTER_BATCH = 10;
const LOOP_DELAY_RESOLUTION_MS = 10;

const USAGE = `usage: npm run bench:fanout -- [flags]
  --sockets N          sockets subscribed to the article (default 2000)
  --duration S         seconds of load (default 20)
  --vote-rate R        votes per second (default 20)
  --comment-rate R     comments per second (default 5)
  --client raw|official  raw Engine.IO/Socket.IO over ws (default) or socket.io-client
  --url URL            use a running server (RATE_LIMITS=off) instead of starting one
  --pid PID            with --url: the server's pid, for RSS and CPU figures
  --admin-user NAME    with --url: an admin's credentials
  --admin-password PW
  --users N            voter/commenter accounts (default 50)
  --batch N            sockets connected at a time (default 200)
  --settle S           seconds to wait after the load before checking (default 3)
  --tally-interval MS  TALLY_INTERVAL_MS of the started server (default 100)
  --cpu-prof           the started server writes a V8 CPU profile to bench-results/
  --timeline           also print the load second by second (always in the JSON)
  --redis              start the server with REDIS_URL=${TEST_REDIS_URL}`;

interface Options {
  sockets: number;
  duration: number;
  voteRate: number;
  commentRate: number;
  client: ClientKind;
  url: string | null;
  pid: number | null;
  adminUser: string;
  adminPassword: string;
  users: number;
  batch: number;
  settle: number;
  tallyIntervalMs: number;
  redis: boolean;
  timeline: boolean;
  cpuProf: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      sockets: { type: 'string', default: '2000' },
      duration: { type: 'string', default: '20' },
      'vote-rate': { type: 'string', default: '20' },
      'comment-rate': { type: 'string', default: '5' },
      client: { type: 'string', default: 'raw' },
      url: { type: 'string' },
      pid: { type: 'string' },
      'admin-user': { type: 'string', default: ADMIN.username },
      'admin-password': { type: 'string', default: ADMIN.password },
      users: { type: 'string', default: '50' },
      batch: { type: 'string', default: '200' },
      settle: { type: 'string', default: '3' },
      'tally-interval': { type: 'string', default: '100' },
      redis: { type: 'boolean', default: false },
      timeline: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const number = (name: string, raw: string, min: number, max: number): number => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new UsageError(`--${name} must be a number from ${min} to ${max} (got "${raw}")`);
    }
    return value;
  };
  const integer = (name: string, raw: string, min: number, max: number): number => {
    const value = number(name, raw, min, max);
    if (!Number.isInteger(value)) throw new UsageError(`--${name} must be an integer`);
    return value;
  };
  if (values.client !== 'raw' && values.client !== 'official') {
    throw new UsageError(`--client must be raw or official (got "${values.client}")`);
  }
  if (values.pid !== undefined && values.url === undefined) {
    throw new UsageError('--pid only goes with --url');
  }
  return {
    sockets: integer('sockets', values.sockets, 1, 15_000),
    duration: number('duration', values.duration, 1, 600),
    voteRate: number('vote-rate', values['vote-rate'], 0, 500),
    commentRate: number('comment-rate', values['comment-rate'], 0, 200),
    client: values.client,
    url: values.url ?? null,
    pid: values.pid === undefined ? null : integer('pid', values.pid, 1, 2 ** 22),
    adminUser: values['admin-user'],
    adminPassword: values['admin-password'],
    users: integer('users', values.users, 2, 500),
    batch: integer('batch', values.batch, 1, 5_000),
    settle: number('settle', values.settle, 0, 60),
    tallyIntervalMs: integer('tally-interval', values['tally-interval'], 1, 60_000),
    redis: values.redis,
    timeline: values.timeline,
    cpuProf: values['cpu-prof'],
  };
}

class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------
// cleanup, also on Ctrl-C and errors

const cleanups: { name: string; run: () => Promise<void> }[] = [];
let cleaning: Promise<void> | null = null;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const step of cleanups.splice(0).reverse()) {
      try {
        await withTimeout(step.run(), CLEANUP_STEP_TIMEOUT_MS, `cleanup: ${step.name}`);
      } catch (error) {
        console.error(`cleanup "${step.name}" failed: ${(error as Error).message}`);
      }
    }
  })();
  return cleaning;
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const sleep = (milliseconds: number): Promise<void> =>
  new Promise((done) => setTimeout(done, Math.max(0, milliseconds)));

// ---------------------------------------------------------------------------------------------
// HTTP

class HttpError extends Error {}

async function api<T>(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; expect: number },
): Promise<T> {
  const response = await fetch(new URL(path, base), {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  const text = await response.text();
  if (response.status !== options.expect) {
    throw new HttpError(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

interface Account {
  username: string;
  token: string;
}

async function login(base: string, username: string, password: string): Promise<Account> {
  const body = await api<{ accessToken: string }>(base, 'POST', '/api/auth/login', {
    body: { username, password },
    expect: 200,
  });
  return { username, token: body.accessToken };
}

async function registerUsers(base: string, count: number): Promise<Account[]> {
  const prefix = `bench_${randomBytes(4).toString('hex')}`;
  const accounts: Account[] = [];
  for (let start = 0; start < count; start += REGISTER_BATCH) {
    const batch = Array.from({ length: Math.min(REGISTER_BATCH, count - start) }, (_, k) => {
      const username = `${prefix}_${start + k}`;
      return api<{ accessToken: string }>(base, 'POST', '/api/auth/register', {
        body: { username, password: 'bench-password-1' },
        expect: 201,
      }).then((body) => ({ username, token: body.accessToken }));
    });
    accounts.push(...(await Promise.all(batch)));
  }
  return accounts;
}

// ---------------------------------------------------------------------------------------------
// what the sockets see

/** Shared by every socket: when each write was sent, and the latencies observed. */
interface Observations {
  /** Comment body marker → performance.now() when its POST was sent. */
  commentSentAt: Map<string, number>;
  /** Send times of the votes, in sending order: vote k (0-based) should make tallies version k+1. */
  voteSentAt: number[];
  commentLatencies: number[];
  /** Comment body marker → the longest write→receipt latency of any socket. */
  commentWorst: Map<string, number>;
  tallyLatencies: number[];
}

/** One socket's record; the latencies go to the shared arrays. */
class SocketRecord implements EventSink {
  comments = 0;
  foreignComments = 0;
  seqProblems = 0;
  lastSeq = 0;
  tallies = 0;
  versionRegressions = 0;
  lastVersion = 0;
  lastTallies: Tallies | null = null;
  firstTallyAt = -1;
  lastTallyAt = -1;
  minTallyGap = Number.POSITIVE_INFINITY;
  presenceEvents = 0;
  lostReason: string | null = null;

  constructor(private readonly seen: Observations) {}

  comment(event: CommentCreatedEvent, at: number): void {
    if (event.seq !== this.lastSeq + 1) this.seqProblems++;
    this.lastSeq = Math.max(this.lastSeq, event.seq);
    const body = event.comment.body ?? '';
    const sentAt = this.seen.commentSentAt.get(body);
    if (sentAt === undefined) {
      this.foreignComments++;
      return;
    }
    this.comments++;
    const latency = at - sentAt;
    this.seen.commentLatencies.push(latency);
    if (latency > (this.seen.commentWorst.get(body) ?? -1)) {
      this.seen.commentWorst.set(body, latency);
    }
  }

  /**
   * Latency of a tally event = its receipt − the send time of the earliest vote this socket had
   * not yet seen reflected: the vote that made version (last version seen + 1). Every bench vote
   * changes the tallies (each slot cycles none → up → down → none), so version k is the k-th
   * vote committed; commit order is taken to be send order.
   */
  tally(event: TallyEvent, at: number): void {
    if (event.version <= this.lastVersion) {
      this.versionRegressions++;
      return;
    }
    const earliest = this.seen.voteSentAt[this.lastVersion];
    if (earliest !== undefined) this.seen.tallyLatencies.push(at - earliest);
    if (this.lastTallyAt >= 0) this.minTallyGap = Math.min(this.minTallyGap, at - this.lastTallyAt);
    else this.firstTallyAt = at;
    this.lastTallyAt = at;
    this.lastVersion = event.version;
    this.lastTallies = event.tallies;
    this.tallies++;
  }

  /** Tally events per second between this socket's first and last one. */
  tallyRate(): number {
    const span = this.lastTallyAt - this.firstTallyAt;
    return this.tallies >= 2 && span > 0 ? ((this.tallies - 1) * 1000) / span : 0;
  }

  presence(): void {
    this.presenceEvents++;
  }

  lost(reason: string): void {
    this.lostReason ??= reason;
  }
}

// ---------------------------------------------------------------------------------------------
// the writes

type Dimension = 'interesting' | 'support';
type VoteValue = 'up' | 'down';
const DIMENSIONS: Dimension[] = ['interesting', 'support'];

interface WriteStats {
  scheduled: number;
  ok: number;
  failed: number;
  errors: string[];
  /** Each answered write: when it was sent and how long its HTTP answer took. */
  answered: { sentAt: number; ms: number }[];
}

const newWriteStats = (): WriteStats => ({
  scheduled: 0,
  ok: 0,
  failed: 0,
  errors: [],
  answered: [],
});

function track(stats: WriteStats, sentAt: number, work: Promise<unknown>): Promise<void> {
  return work.then(
    () => {
      stats.ok++;
      stats.answered.push({ sentAt, ms: performance.now() - sentAt });
    },
    (error: unknown) => {
      stats.failed++;
      if (stats.errors.length < 5) stats.errors.push((error as Error).message);
    },
  );
}

/**
 * `count` writes at `rate` per second from `start` (absolute schedule: a late timer catches up).
 * Resolves when the last one has been sent; `inflight` collects the requests.
 */
async function paced(
  count: number,
  rate: number,
  start: number,
  inflight: Promise<void>[],
  send: (index: number) => Promise<void>,
): Promise<void> {
  for (let index = 0; index < count; index++) {
    await sleep(start + (index * 1000) / rate - performance.now());
    inflight.push(send(index));
  }
}

// ---------------------------------------------------------------------------------------------

interface Target {
  base: string;
  pid: number | null;
  server: ServerProcess | null;
}

async function prepareTarget(options: Options): Promise<Target> {
  if (options.url) return { base: options.url, pid: options.pid, server: null };
  if (options.cpuProf) mkdirSync(RESULTS_DIR, { recursive: true });
  const database = await createTestDatabase();
  cleanups.push({ name: `drop database ${database.name}`, run: () => database.drop() });
  const server = await startServer({
    DATABASE_URL: database.url,
    JWT_SECRET,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    RATE_LIMITS: 'off',
    LOG_LEVEL: 'warn',
    TALLY_INTERVAL_MS: String(options.tallyIntervalMs),
    ...(options.redis ? { REDIS_URL: TEST_REDIS_URL } : {}),
    ...(options.cpuProf
      ? {
          NODE_OPTIONS: `--require ${resolve(__dirname, 'cpu-profile.js')}`,
          BENCH_CPU_PROFILE_DIR: RESULTS_DIR,
        }
      : {}),
  });
  cleanups.push({
    name: `stop server pid ${server.pid}`,
    run: async () => {
      const code = await server.stop('SIGTERM');
      if (code !== 0) console.error(`server exited with code ${code} on SIGTERM`);
    },
  });
  return { base: server.url, pid: server.pid, server };
}

async function main(options: Options): Promise<void> {
  const target = await prepareTarget(options);
  const { base, pid } = target;
  const admin = await login(base, options.adminUser, options.adminPassword);
  const article = await api<{ id: string }>(base, 'POST', '/api/articles', {
    token: admin.token,
    body: {
      category: 'Bench',
      title: `Fan-out bench ${new Date().toISOString()}`,
      keyTakeaways: [],
      followUps: [],
    },
    expect: 201,
  });
  if (options.url) {
    cleanups.push({
      name: `delete article ${article.id}`,
      run: () =>
        api(base, 'DELETE', `/api/articles/${article.id}`, { token: admin.token, expect: 204 }),
    });
  }
  const users = await registerUsers(base, options.users);
  console.log(
    `server ${base}${pid === null ? '' : ` (pid ${pid})`}, article ${article.id}, ${users.length} users; ` +
      `connecting ${options.sockets} ${options.client} sockets…`,
  );

  // -- connect --------------------------------------------------------------------------------
  const seen: Observations = {
    commentSentAt: new Map(),
    voteSentAt: [],
    commentLatencies: [],
    commentWorst: new Map(),
    tallyLatencies: [],
  };
  const sockets: BenchSocket[] = [];
  const records: SocketRecord[] = [];
  cleanups.push({
    name: 'close sockets',
    run: async () => {
      sockets.forEach((socket) => socket.close());
      await sleep(200);
    },
  });
  const connector = connectors[options.client];
  const connectMs: number[] = [];
  const connectErrors = new Map<string, number>();
  const rssBefore = rssBytes(pid);
  const cpuBeforeConnect = cpuSeconds(pid);
  const connectStart = performance.now();
  for (let start = 0; start < options.sockets; start += options.batch) {
    const size = Math.min(options.batch, options.sockets - start);
    await Promise.all(
      Array.from({ length: size }, async () => {
        const record = new SocketRecord(seen);
        const began = performance.now();
        try {
          const socket = await connector(base, article.id, record, CONNECT_TIMEOUT_MS);
          connectMs.push(performance.now() - began);
          sockets.push(socket);
          records.push(record);
        } catch (error) {
          const message = (error as Error).message;
          connectErrors.set(message, (connectErrors.get(message) ?? 0) + 1);
        }
      }),
    );
  }
  const connectSeconds = (performance.now() - connectStart) / 1000;
  const cpuConnect = diff(cpuSeconds(pid), cpuBeforeConnect);
  console.log(
    `${sockets.length}/${options.sockets} sockets subscribed in ${connectSeconds.toFixed(1)} s; ` +
      `load for ${options.duration} s…`,
  );
  await sleep(1_000); // let the presence broadcasts and the subscribe work settle
  const rssConnected = rssBytes(pid);

  // -- load -----------------------------------------------------------------------------------
  const votes = newWriteStats();
  const comments = newWriteStats();
  const inflight: Promise<void>[] = [];
  const voteState: (VoteValue | null)[][] = users.map(() => [null, null]);
  const voteCount = Math.round(options.duration * options.voteRate);
  const commentCount = Math.round(options.duration * options.commentRate);
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  loopDelay.enable();
  const clientCpuBefore = process.cpuUsage();
  const cpuBeforeLoad = cpuSeconds(pid);
  const loadStart = performance.now();
  const sampler = startSampler(pid);

  const castVotes = paced(voteCount, options.voteRate, loadStart, inflight, (index) => {
    // slot (user, dimension) cycles none → up → down → none: every vote changes the tallies.
    // A slot comes round again after 2 × users votes (5 s at the defaults): long after its
    // previous request was answered, so its state here is the state stored.
    const userIndex = index % users.length;
    const dimensionIndex = Math.floor(index / users.length) % 2;
    const user = users[userIndex]!;
    const dimension = DIMENSIONS[dimensionIndex]!;
    const slot = voteState[userIndex]!;
    const current = slot[dimensionIndex] ?? null;
    const next: VoteValue | null = current === null ? 'up' : current === 'up' ? 'down' : null;
    slot[dimensionIndex] = next;
    votes.scheduled++;
    const path = `/api/articles/${article.id}/votes/${dimension}`;
    const sentAt = performance.now();
    seen.voteSentAt.push(sentAt);
    return track(
      votes,
      sentAt,
      next === null
        ? api(base, 'DELETE', path, { token: user.token, expect: 200 })
        : api(base, 'PUT', path, { token: user.token, body: { value: next }, expect: 200 }),
    );
  });
  const postComments = paced(commentCount, options.commentRate, loadStart, inflight, (index) => {
    const user = users[index % users.length]!;
    const body = `bench-${index}`;
    comments.scheduled++;
    const sentAt = performance.now();
    seen.commentSentAt.set(body, sentAt);
    return track(
      comments,
      sentAt,
      api(base, 'POST', `/api/articles/${article.id}/comments`, {
        token: user.token,
        body: { body },
        expect: 201,
      }),
    );
  });
  await Promise.all([castVotes, postComments]);
  const drained = await withTimeout(Promise.all(inflight), WRITES_DRAIN_TIMEOUT_MS, 'writes').then(
    () => true,
    () => false,
  );
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const cpuLoad = diff(cpuSeconds(pid), cpuBeforeLoad);
  const clientCpu = process.cpuUsage(clientCpuBefore);
  loopDelay.disable();
  const samples = sampler.stop();
  const rssLoaded = rssBytes(pid);

  // -- settle and check -----------------------------------------------------------------------
  const cpuBeforeSettle = cpuSeconds(pid);
  await sleep(options.settle * 1000);
  const cpuSettle = diff(cpuSeconds(pid), cpuBeforeSettle);
  const final = await api<{ tallies: Tallies }>(base, 'GET', `/api/articles/${article.id}`, {
    expect: 200,
  });

  const results = summarize({
    options,
    target,
    sockets,
    records,
    seen,
    connectMs,
    connectErrors,
    connectSeconds,
    votes,
    comments,
    loadSeconds,
    loadStart,
    samples,
    drained,
    final: final.tallies,
    rss: { before: rssBefore, connected: rssConnected, loaded: rssLoaded },
    cpu: { connect: cpuConnect, load: cpuLoad, settle: cpuSettle },
    clientCpu,
    loopDelay,
  });
  printReport(results);
  const serverLog = target.server?.output().trim() ?? '';
  if (serverLog) {
    const lines = serverLog.split('\n');
    console.log(`\nserver log (warn and above), ${lines.length} lines; the first:`);
    console.log(lines.slice(0, 10).join('\n'));
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `fanout-${results.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwritten to ${file}`);
  if (options.cpuProf && target.server) {
    console.log(
      `the server writes its CPU profile (server-<pid>.cpuprofile) to ${RESULTS_DIR} as it stops`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// the report

interface Measurements {
  options: Options;
  target: Target;
  sockets: BenchSocket[];
  records: SocketRecord[];
  seen: Observations;
  connectMs: number[];
  connectErrors: Map<string, number>;
  connectSeconds: number;
  votes: WriteStats;
  comments: WriteStats;
  loadSeconds: number;
  loadStart: number;
  samples: Sample[];
  drained: boolean;
  final: Tallies;
  rss: { before: number | null; connected: number | null; loaded: number | null };
  cpu: { connect: number | null; load: number | null; settle: number | null };
  clientCpu: NodeJS.CpuUsage;
  loopDelay: IntervalHistogram;
}

function summarize(m: Measurements) {
  const { options, records, votes, comments } = m;
  const connected = records.length;
  const tallyEvents = sum(records, (record) => record.tallies);
  const finalKey = talliesKey(m.final);
  const minGaps = records.map((record) => record.minTallyGap).filter(Number.isFinite);
  const writes = (stats: WriteStats) => ({
    sent: stats.scheduled,
    ok: stats.ok,
    failed: stats.failed,
    errors: stats.errors,
    httpMs: distribution(stats.answered.map((write) => write.ms)),
  });
  return {
    at: new Date().toISOString(),
    options: { ...options, adminPassword: undefined },
    target: { url: m.target.base, pid: m.target.pid, startedByBench: m.target.server !== null },
    sockets: {
      requested: options.sockets,
      connected,
      connectSeconds: round1(m.connectSeconds),
      connectAndSubscribeMs: distribution(m.connectMs),
      errors: Object.fromEntries(m.connectErrors),
      lostDuringRun: records.filter((record) => record.lostReason !== null).length,
      lostReasons: [
        ...new Set(records.flatMap((record) => (record.lostReason ? [record.lostReason] : []))),
      ],
    },
    load: {
      seconds: round1(m.loadSeconds),
      writesDrained: m.drained,
      votes: writes(votes),
      comments: writes(comments),
    },
    comments: {
      delivered: sum(records, (record) => record.comments),
      expected: connected * comments.ok,
      socketsMissingSome: records.filter((record) => record.comments < comments.ok).length,
      seqProblems: sum(records, (record) => record.seqProblems),
      foreign: sum(records, (record) => record.foreignComments),
      latencyMs: distribution(m.seen.commentLatencies),
      method:
        'receipt at the socket − time the POST was sent (matched by the bench-<n> marker in the body)',
    },
    tallies: {
      events: tallyEvents,
      perSocketPerSecond: {
        overLoadWindow: round1(connected ? tallyEvents / connected / options.duration : 0),
        mean: round1(connected ? sum(records, (record) => record.tallyRate()) / connected : 0),
        max: round1(Math.max(0, ...records.map((record) => record.tallyRate()))),
        ceiling: round1(1000 / options.tallyIntervalMs),
        method: '(events − 1) / time between the first and the last tally event at a socket',
      },
      minGapMs: minGaps.length ? round1(Math.min(...minGaps)) : null,
      versionRegressions: sum(records, (record) => record.versionRegressions),
      latencyMs: distribution(m.seen.tallyLatencies),
      method:
        'receipt − send time of the earliest vote not yet reflected in an earlier tally event at ' +
        'that socket (every vote changes the tallies, so version k is the k-th vote; commit order ' +
        'is taken as send order); includes the TALLY_INTERVAL_MS coalescing wait',
      finalVersionSeen: Math.max(0, ...records.map((record) => record.lastVersion)),
      votesOk: votes.ok,
      final: m.final,
      lastTallyMismatches: records.filter(
        (record, i) =>
          talliesKey(record.lastTallies ?? m.sockets[i]?.subscribed.tallies ?? null) !== finalKey,
      ).length,
    },
    server: {
      rssBeforeConnect: m.rss.before,
      rssAfterConnect: m.rss.connected,
      rssAfterLoad: m.rss.loaded,
      rssPerSocket:
        m.rss.before !== null && m.rss.connected !== null && connected > 0
          ? Math.round((m.rss.connected - m.rss.before) / connected)
          : null,
      cpuSecondsConnect: round2(m.cpu.connect),
      cpuSecondsLoad: round2(m.cpu.load),
      cpuPercentOfOneCoreDuringLoad:
        m.cpu.load === null ? null : round1((m.cpu.load / m.loadSeconds) * 100),
      cpuSecondsSettle: round2(m.cpu.settle),
    },
    machine: machineLoad(m),
    timeline: timeline(m),
    client: {
      kind: options.client,
      cpuSecondsLoad: round2((m.clientCpu.user + m.clientCpu.system) / 1e6),
      /** How late the event loop ran a timer, beyond its own sampling interval. */
      eventLoopDelayMs: {
        p50: lateness(m.loopDelay.percentile(50)),
        p99: lateness(m.loopDelay.percentile(99)),
        max: lateness(m.loopDelay.max),
      },
    },
  };
}

type Results = ReturnType<typeof summarize>;

/** How busy the whole machine was: the bench and the server share it with everything else. */
function machineLoad(m: Measurements) {
  const cores = availableParallelism();
  const busy = m.samples.flatMap((sample) =>
    sample.machineCpu === null ? [] : [sample.machineCpu],
  );
  const mean = busy.length ? busy.reduce((total, value) => total + value, 0) / busy.length : null;
  const clientPercent = ((m.clientCpu.user + m.clientCpu.system) / 1e6 / m.loadSeconds) * 100;
  const serverPercent = m.cpu.load === null ? null : (m.cpu.load / m.loadSeconds) * 100;
  return {
    cores,
    busyPercentOfAllCores: mean === null ? null : round1(mean),
    otherPercentOfOneCore:
      mean === null || serverPercent === null
        ? null
        : round1(Math.max(0, mean * cores - serverPercent - clientPercent)),
  };
}

/** The load second by second (by the time each write was sent): where the tail comes from. */
function timeline(m: Measurements) {
  const rows = [];
  let from = m.loadStart;
  for (const [index, sample] of m.samples.entries()) {
    const start = from;
    const within = (write: { sentAt: number }): boolean =>
      write.sentAt >= start && write.sentAt < sample.at;
    const slowest = (writes: { ms: number }[]): number | null =>
      writes.length ? round1(Math.max(...writes.map((write) => write.ms))) : null;
    const votes = m.votes.answered.filter(within);
    const comments = m.comments.answered.filter(within);
    let receipt: number | null = null;
    for (const [body, sentAt] of m.seen.commentSentAt) {
      const worst = m.seen.commentWorst.get(body);
      if (worst !== undefined && within({ sentAt })) receipt = Math.max(receipt ?? 0, worst);
    }
    rows.push({
      second: index + 1,
      votes: votes.length,
      voteHttpMaxMs: slowest(votes),
      comments: comments.length,
      commentHttpMaxMs: slowest(comments),
      commentReceiptMaxMs: receipt === null ? null : round1(receipt),
      serverCpuPercent: sample.serverCpu,
      clientCpuPercent: sample.clientCpu,
      clientLoopMaxMs: sample.clientLoopMaxMs,
      machineCpuPercent: sample.machineCpu,
      serverRssMiB: sample.serverRss === null ? null : round1(sample.serverRss / 1024 / 1024),
    });
    from = sample.at;
  }
  return rows;
}

function printReport(r: Results): void {
  const o = r.options;
  const lines: string[] = [];
  const section = (title: string): number => lines.push(`\n${title}`);
  const row = (label: string, value: string): number => lines.push(`  ${label.padEnd(30)}${value}`);
  const latency = (d: Distribution): string =>
    `p50 ${ms(d.p50)}, p99 ${ms(d.p99)}, max ${ms(d.max)} (n=${d.count})`;

  lines.push(
    `Fan-out bench: ${o.sockets} ${o.client} sockets, ${o.duration} s of load, ` +
      `${o.voteRate} votes/s, ${o.commentRate} comments/s, TALLY_INTERVAL_MS ${o.tallyIntervalMs}`,
  );
  section('sockets');
  row('connected / requested', `${r.sockets.connected} / ${r.sockets.requested}`);
  row('connect + subscribe, all', `${r.sockets.connectSeconds} s (batches of ${o.batch})`);
  row('connect + subscribe, each', latency(r.sockets.connectAndSubscribeMs));
  const errors = Object.entries(r.sockets.errors);
  row('connect errors', errors.length ? errors.map(([e, n]) => `${n}× ${e}`).join('; ') : 'none');
  row('lost during the run', [r.sockets.lostDuringRun, ...r.sockets.lostReasons].join('; '));
  section('writes');
  for (const [name, w] of [
    ['votes', r.load.votes],
    ['comments', r.load.comments],
  ] as const) {
    row(`${name} ok / sent`, `${w.ok} / ${w.sent}${w.failed ? `, ${w.failed} failed` : ''}`);
    row(`${name} HTTP answer`, latency(w.httpMs));
    for (const error of w.errors) row('', error);
  }
  row(
    'load window',
    `${r.load.seconds} s${r.load.writesDrained ? '' : ' (writes still pending!)'}`,
  );
  section('comment.created');
  row('delivered / expected', `${r.comments.delivered} / ${r.comments.expected}`);
  row('sockets missing some', String(r.comments.socketsMissingSome));
  row('seq gaps or repeats', String(r.comments.seqProblems));
  row('write → receipt', latency(r.comments.latencyMs));
  section('tally');
  const rate = r.tallies.perSocketPerSecond;
  row(
    'events per socket per second',
    `mean ${rate.mean}, max ${rate.max} (ceiling ${rate.ceiling}; ` +
      `events / load seconds: ${rate.overLoadWindow})`,
  );
  row('smallest gap at one socket', ms(r.tallies.minGapMs));
  row('version regressions', String(r.tallies.versionRegressions));
  row('vote → tally event', latency(r.tallies.latencyMs));
  row('last version seen / votes ok', `${r.tallies.finalVersionSeen} / ${r.tallies.votesOk}`);
  row(
    'last tally ≠ GET article',
    `${r.tallies.lastTallyMismatches} of ${r.sockets.connected} sockets`,
  );
  section(
    `server${r.target.pid === null ? ' (no pid: RSS and CPU not measured)' : ` pid ${r.target.pid}`}`,
  );
  row('RSS before connecting', mib(r.server.rssBeforeConnect));
  row('RSS after connecting', mib(r.server.rssAfterConnect));
  row('RSS after the load', mib(r.server.rssAfterLoad));
  row(
    'RSS per socket',
    r.server.rssPerSocket === null ? 'n/a' : `${(r.server.rssPerSocket / 1024).toFixed(1)} KiB`,
  );
  row('CPU while connecting', seconds(r.server.cpuSecondsConnect));
  row(
    'CPU during the load',
    `${seconds(r.server.cpuSecondsLoad)} (${r.server.cpuPercentOfOneCoreDuringLoad ?? 'n/a'}% of one core)`,
  );
  row(`CPU in the ${o.settle} s after`, seconds(r.server.cpuSecondsSettle));
  section(`machine (${r.machine.cores} cores, shared)`);
  row('CPU busy during the load', `${r.machine.busyPercentOfAllCores ?? 'n/a'}% of all cores`);
  row(
    'other processes',
    r.machine.otherPercentOfOneCore === null
      ? 'n/a'
      : `${r.machine.otherPercentOfOneCore}% of one core (PostgreSQL, anything else running)`,
  );
  section('bench client (same machine)');
  row('CPU during the load', seconds(r.client.cpuSecondsLoad));
  const loop = r.client.eventLoopDelayMs;
  row('event-loop delay', `p50 ${ms(loop.p50)}, p99 ${ms(loop.p99)}, max ${ms(loop.max)}`);
  if (o.timeline) {
    section(
      'second by second (writes by send time; ms of the slowest; CPU: % of one core, machine: % of all)',
    );
    lines.push(
      '  sec  votes  vote HTTP  comments  comment HTTP  receipt max  server CPU  bench CPU  bench loop  machine  server RSS',
    );
    for (const t of r.timeline) {
      const cell = (value: number | null, width: number): string =>
        (value === null ? '-' : String(value)).padStart(width);
      lines.push(
        `  ${cell(t.second, 3)}  ${cell(t.votes, 5)}  ${cell(t.voteHttpMaxMs, 9)}  ` +
          `${cell(t.comments, 8)}  ${cell(t.commentHttpMaxMs, 12)}  ${cell(t.commentReceiptMaxMs, 11)}  ` +
          `${cell(t.serverCpuPercent, 10)}  ${cell(t.clientCpuPercent, 9)}  ${cell(t.clientLoopMaxMs, 10)}  ` +
          `${cell(t.machineCpuPercent, 7)}  ${cell(t.serverRssMiB, 10)}`,
      );
    }
  }
  lines.push('', `comment latency: ${r.comments.method}.`, `tally latency: ${r.tallies.method}.`);
  console.log(lines.join('\n'));
}

function lateness(nanoseconds: number): number {
  return round1(Math.max(0, nanoseconds / 1e6 - LOOP_DELAY_RESOLUTION_MS));
}

function seconds(value: number | null): string {
  return value === null ? 'n/a' : `${value.toFixed(2)} s`;
}

function diff(after: number | null, before: number | null): number | null {
  return after === null || before === null ? null : after - before;
}

function round2(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100;
}

function sum<T>(items: T[], of: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += of(item);
  return total;
}

function talliesKey(tallies: Tallies | null): string {
  if (!tallies) return 'none';
  const { interesting, support } = tallies;
  return `${interesting.up}/${interesting.down} ${support.up}/${support.down}`;
}

// ---------------------------------------------------------------------------------------------

let options: Options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}

/** Nothing may run for ever: the whole run is bounded. */
const WATCHDOG_MS = 10 * 60_000 + options.duration * 1000 + options.sockets * 100;
const watchdog = setTimeout(() => {
  console.error(`the bench did not finish within ${WATCHDOG_MS / 1000} s; cleaning up`);
  void cleanup().finally(() => process.exit(1));
}, WATCHDOG_MS);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up (again to force)…`);
    void cleanup().finally(() => process.exit(130));
  });
}

main(options).then(
  () => cleanup().then(() => process.exit(0)),
  (error: unknown) => {
    console.error(error instanceof HttpError ? `failed: ${error.message}` : error);
    void cleanup().finally(() => {
      clearTimeout(watchdog);
      process.exit(1);
    });
  },
);
