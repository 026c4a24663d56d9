/**
 * What the live-update scenarios (fanout, comments, memory, catch-up, scale-out) share: raw
 * sockets that record what they receive, the bare socket.io baseline server, Prometheus
 * scraping, and one measured "phase": N sockets subscribed, writes at a steady rate, every
 * delivery timed and counted, the server's CPU sampled.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CommentCreatedEvent, Tallies, TallyEvent } from '../../src/realtime/contract';
import { type BenchSocket, connectors, type EventSink } from './clients';
import { type Account, api, onCleanup, sleep, withTimeout } from './kit';
import { cpuSeconds, type Distribution, distribution, round1, startSampler } from './measure';

export const CONNECT_TIMEOUT_MS = 30_000;
/** Every bench socket comes from 127.0.0.1: no per-address cap (0: unlimited). */
export const LIVE_BENCH_ENV = { SOCKET_MAX_CONNECTIONS_PER_IP: '0' };
const WRITES_DRAIN_TIMEOUT_MS = 30_000;
const BARE_START_TIMEOUT_MS = 20_000;

// ---------------------------------------------------------------------------------------------
// what the sockets see

/** Shared by every socket: when each write was sent, and the latencies observed. */
export interface Observations {
  /** Comment body marker → performance.now() when its write was sent. */
  commentSentAt: Map<string, number>;
  /** Send times of the votes, in sending order. */
  voteSentAt: number[];
  /** talliesKey() of the article's tallies once vote k (0-based, sending order) is counted. */
  voteTallies: string[];
  commentLatencies: number[];
  tallyLatencies: number[];
}

export const newObservations = (): Observations => ({
  commentSentAt: new Map(),
  voteSentAt: [],
  voteTallies: [],
  commentLatencies: [],
  tallyLatencies: [],
});

/** One socket's record; the latencies go to the shared arrays. */
export class SocketRecord implements EventSink {
  comments = 0;
  foreignComments = 0;
  seqProblems = 0;
  lastSeq = 0;
  tallies = 0;
  versionRegressions = 0;
  lastVersion = 0;
  /** the last vote (index in sending order) this socket has seen counted; -1: none */
  lastVote = -1;
  unmatchedTallies = 0;
  lastTallies: Tallies | null = null;
  firstTallyAt = -1;
  lastTallyAt = -1;
  presenceEvents = 0;
  lostReason: string | null = null;

  constructor(private readonly seen: Observations) {}

  comment(event: CommentCreatedEvent, at: number): void {
    if (event.seq !== this.lastSeq + 1) this.seqProblems++;
    this.lastSeq = Math.max(this.lastSeq, event.seq);
    const sentAt = this.seen.commentSentAt.get(event.comment.body ?? '');
    if (sentAt === undefined) {
      this.foreignComments++;
      return;
    }
    this.comments++;
    this.seen.commentLatencies.push(at - sentAt);
  }

  /**
   * Latency of a tally event = its receipt − the send time of the earliest vote it newly shows
   * counted. The bench knows the tallies after each vote (in sending order, taken to be commit
   * order): the event shows votes up to the first later k whose tallies it equals. This holds
   * when the server commits several votes in one transaction (one version for the batch).
   */
  tally(event: TallyEvent, at: number): void {
    if (event.version <= this.lastVersion) {
      this.versionRegressions++;
      return;
    }
    const key = talliesKey(event.tallies);
    const votes = this.seen.voteTallies;
    const end = Math.min(votes.length, this.lastVote + 1 + MATCH_WINDOW);
    let matched = -1;
    for (let k = this.lastVote + 1; k < end; k++) {
      if (votes[k] === key) {
        matched = k;
        break;
      }
    }
    if (matched < 0) this.unmatchedTallies++;
    else {
      this.seen.tallyLatencies.push(at - this.seen.voteSentAt[this.lastVote + 1]!);
      this.lastVote = matched;
    }
    if (this.firstTallyAt < 0) this.firstTallyAt = at;
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

/** How many votes ahead of the last one counted a tally event is matched against. */
const MATCH_WINDOW = 500;

/**
 * The bench's votes: slot (user, dimension) k cycles none → up → down → none, so every vote
 * changes the tallies, and the tallies after each vote are known in advance.
 */
export class VoteCycle {
  private readonly slots: (VoteValue | null)[][];
  private readonly tallies: Tallies = {
    interesting: { up: 0, down: 0 },
    support: { up: 0, down: 0 },
  };

  constructor(private readonly users: number) {
    this.slots = Array.from({ length: users }, () => [null, null]);
  }

  /**
   * Vote `index`: who, on what, which value (null: retract), and the tallies once counted. A
   * slot comes round again after 2 × users votes: long after its previous vote was answered.
   */
  next(index: number): {
    user: number;
    dimension: Dimension;
    value: VoteValue | null;
    tallies: Tallies;
  } {
    const user = index % this.users;
    const d = Math.floor(index / this.users) % 2;
    const dimension = DIMENSIONS[d]!;
    const slot = this.slots[user]!;
    const current = slot[d] ?? null;
    const value: VoteValue | null = current === null ? 'up' : current === 'up' ? 'down' : null;
    slot[d] = value;
    const counts = this.tallies[dimension];
    if (current) counts[current]--;
    if (value) counts[value]++;
    return { user, dimension, value, tallies: structuredClone(this.tallies) };
  }
}

type Dimension = 'interesting' | 'support';
type VoteValue = 'up' | 'down';
const DIMENSIONS: Dimension[] = ['interesting', 'support'];

export function talliesKey(tallies: Tallies | null): string {
  if (!tallies) return 'none';
  const { interesting, support } = tallies;
  return `${interesting.up}/${interesting.down} ${support.up}/${support.down}`;
}

// ---------------------------------------------------------------------------------------------
// the bare socket.io baseline

export interface BareServer {
  base: string;
  pid: number;
  stats(): Promise<{ rss: number; heapUsed: number; sockets: number; broadcasts: number }>;
  stop(): Promise<void>;
}

/** Starts test/bench/bare-server.ts as a child process; stopped at cleanup (or by `stop`). */
export async function startBareServer(): Promise<BareServer> {
  const child = spawn(
    process.execPath,
    [resolve(__dirname, 'run.js'), resolve(__dirname, 'bare-server.ts')],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise<void>((done) => child.once('close', () => done()));
  const port = await withTimeout(
    new Promise<number>((resolvePort, reject) => {
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        const match = /listening (\d+)/.exec(output);
        if (match) resolvePort(Number(match[1]));
      });
      void exited.then(() => reject(new Error(`bare server exited: ${output}`)));
    }),
    BARE_START_TIMEOUT_MS,
    'bare socket.io server start',
  );
  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= (() => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      return exited.finally(() => clearTimeout(timer));
    })();
    return stopped;
  };
  onCleanup(`stop bare server pid ${child.pid}`, stop);
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    pid: child.pid ?? -1,
    stats: () => api(base, 'GET', '/stats', { expect: 200 }),
    stop,
  };
}

/** One emit by the bare server: `payload` gets the next `version` (tally) or `seq` (comment). */
export function bareBroadcast(base: string, event: string, payload: object): Promise<unknown> {
  return api(base, 'POST', '/broadcast', { body: { event, payload }, expect: 200 });
}

/** Votes through Townhall's API (`users` cast them in turn), each recorded in `seen`. */
export function townhallVoter(
  base: string,
  articleId: string,
  users: Account[],
  seen: Observations,
): (index: number) => Promise<unknown> {
  const cycle = new VoteCycle(users.length);
  return (index) => {
    const vote = cycle.next(index);
    const { token } = users[vote.user]!;
    const path = `/api/articles/${articleId}/votes/${vote.dimension}`;
    seen.voteTallies.push(talliesKey(vote.tallies));
    seen.voteSentAt.push(performance.now());
    return vote.value === null
      ? api(base, 'DELETE', path, { token, expect: 200 })
      : api(base, 'PUT', path, { token, body: { value: vote.value }, expect: 200 });
  };
}

/** The same votes as `tally` events of the bare server: one HTTP request in, one room emit. */
export function bareVoter(
  base: string,
  articleId: string,
  users: number,
  seen: Observations,
): (index: number) => Promise<unknown> {
  const cycle = new VoteCycle(users);
  return (index) => {
    const { tallies } = cycle.next(index);
    seen.voteTallies.push(talliesKey(tallies));
    seen.voteSentAt.push(performance.now());
    return bareBroadcast(base, 'tally', { articleId, tallies, version: 0 });
  };
}

/** Room emits of one event type so far, per Townhall instance (`townhall_events_sent_total`). */
export async function roomEmits(bases: string[], type: string): Promise<number[]> {
  const scraped = await Promise.all(bases.map((base) => scrapeMetrics(base)));
  return scraped.map((values) => values.get(`townhall_events_sent_total{type="${type}"}`) ?? 0);
}

// ---------------------------------------------------------------------------------------------
// Prometheus

/** `GET /metrics` as `name{labels}` → value (labels as the server prints them). */
export async function scrapeMetrics(base: string): Promise<Map<string, number>> {
  const response = await fetch(new URL('/metrics', base), { signal: AbortSignal.timeout(15_000) });
  const text = await response.text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

// ---------------------------------------------------------------------------------------------
// sockets

export interface Connected {
  sockets: BenchSocket[];
  records: SocketRecord[];
  /** records[i]'s socket went to bases[i % bases.length] */
  perBase: number[];
  errors: Map<string, number>;
  seconds: number;
}

/** `count` raw sockets subscribed to `articleId`, spread round-robin over `bases`. */
export async function connectSockets(
  bases: string[],
  articleId: string,
  count: number,
  seen: Observations,
  batch = 200,
): Promise<Connected> {
  const connected: Connected = {
    sockets: [],
    records: [],
    perBase: bases.map(() => 0),
    errors: new Map(),
    seconds: 0,
  };
  onCleanup('close sockets', async () => {
    closeAll(connected);
    await sleep(200);
  });
  const began = performance.now();
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start);
    await Promise.all(
      Array.from({ length: size }, async (_, k) => {
        const which = (start + k) % bases.length;
        const record = new SocketRecord(seen);
        try {
          const socket = await connectors.raw(bases[which]!, articleId, record, CONNECT_TIMEOUT_MS);
          connected.sockets.push(socket);
          connected.records.push(record);
          connected.perBase[which]!++;
        } catch (error) {
          const message = (error as Error).message;
          connected.errors.set(message, (connected.errors.get(message) ?? 0) + 1);
        }
      }),
    );
  }
  connected.seconds = (performance.now() - began) / 1000;
  return connected;
}

export function closeAll(connected: Connected): void {
  for (const socket of connected.sockets.splice(0)) socket.close();
}

// ---------------------------------------------------------------------------------------------
// writes at a steady rate

export interface WriteStats {
  sent: number;
  ok: number;
  failed: number;
  errors: string[];
  httpMs: number[];
}

/**
 * `count` writes at `rate` per second (absolute schedule: a late timer catches up); resolves
 * when all are answered (or after a timeout: `drained` false).
 */
export async function pacedWrites(
  count: number,
  rate: number,
  send: (index: number) => Promise<unknown>,
): Promise<WriteStats & { drained: boolean }> {
  const stats: WriteStats = { sent: 0, ok: 0, failed: 0, errors: [], httpMs: [] };
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  for (let index = 0; index < count; index++) {
    await sleep(start + (index * 1000) / rate - performance.now());
    const sentAt = performance.now();
    stats.sent++;
    inflight.push(
      send(index).then(
        () => {
          stats.ok++;
          stats.httpMs.push(performance.now() - sentAt);
        },
        (error: unknown) => {
          stats.failed++;
          if (stats.errors.length < 5) stats.errors.push((error as Error).message);
        },
      ),
    );
  }
  const drained = await withTimeout(Promise.all(inflight), WRITES_DRAIN_TIMEOUT_MS, 'writes').then(
    () => true,
    () => false,
  );
  return { ...stats, drained };
}

// ---------------------------------------------------------------------------------------------
// one measured phase

export interface PhaseOptions {
  /** `tally`: each write is a vote (or a bare tally emit); `comment`: a comment.created */
  event: 'tally' | 'comment';
  /** where sockets connect (round-robin) */
  bases: string[];
  /** processes whose CPU counts as the server's */
  pids: number[];
  articleId: string;
  sockets: number;
  rate: number;
  duration: number;
  batch: number;
  seen: Observations;
  /** sends write `index` (and records its send time in `seen`) */
  send(index: number): Promise<unknown>;
  /**
   * Room emits of the event so far, per base (Townhall: /metrics, bare: /stats); without it,
   * every acknowledged write counts as one emit to every socket.
   */
  emits?: () => Promise<number[]>;
  /** the tallies every socket must end on (Townhall: GET /api/articles/:id) */
  finalTallies?: () => Promise<Tallies>;
  /**
   * The same kind of write where no socket listens (another article or room): run first, for
   * the server's CPU per write without fan-out, taken out of the emit cost
   */
  calibrate?: (index: number) => Promise<unknown>;
  idleSeconds?: number;
  settleSeconds?: number;
  log(line: string): void;
}

export interface PhaseFigures {
  sockets: { requested: number; connected: number; perBase: number[]; connectSeconds: number };
  connectErrors: Record<string, number>;
  lost: number;
  writes: { sent: number; ok: number; failed: number; errors: string[]; httpMs: Distribution };
  latencyMs: Distribution;
  delivered: number;
  expected: number;
  deliveredPercent: number | null;
  eventsPerSocketPerSecond: number;
  loadSeconds: number;
  serverCpuPercent: number | null;
  idleCpuPercent: number | null;
  /** server CPU per write where no socket listens (the write path alone), µs */
  writeCostUs: number | null;
  /**
   * (server CPU in the load − idle CPU for as long − writes × writeCostUs) ÷ messages
   * delivered, µs: what delivering one message to one socket costs
   */
  emitCostUs: number | null;
  /** the same without subtracting the idle CPU, µs */
  grossCostUs: number | null;
  machineBusyPercent: number | null;
  benchCpuPercent: number;
  seqProblems: number;
  foreignComments: number;
  versionRegressions: number;
  /** tally events whose tallies match no state after the bench's votes */
  unmatchedTallies: number;
  lastTallyMismatches: number | null;
  problems: string[];
}

const sumOf = <T>(items: T[], of: (item: T) => number): number =>
  items.reduce((total, item) => total + of(item), 0);

function serverCpu(pids: number[]): number | null {
  let total = 0;
  for (const pid of pids) {
    const value = cpuSeconds(pid);
    if (value === null) return null;
    total += value;
  }
  return total;
}

/** Connect, idle, load, settle, count: the figures of one server under one load. */
export async function runPhase(options: PhaseOptions): Promise<PhaseFigures> {
  const { seen, log } = options;
  const writeCost = options.calibrate ? await calibrate(options) : null;
  const connected = await connectSockets(
    options.bases,
    options.articleId,
    options.sockets,
    seen,
    options.batch,
  );
  log(
    `${connected.records.length}/${options.sockets} sockets subscribed in ` +
      `${connected.seconds.toFixed(1)} s`,
  );
  await sleep(1_000); // the subscribe and presence work settles

  const idleSeconds = options.idleSeconds ?? 3;
  const idleFrom = serverCpu(options.pids);
  const idleAt = performance.now();
  await sleep(idleSeconds * 1000);
  const idleTo = serverCpu(options.pids);
  const idleRate =
    idleFrom === null || idleTo === null
      ? null
      : (idleTo - idleFrom) / ((performance.now() - idleAt) / 1000);

  const emitsBefore = options.emits ? await options.emits() : null;
  const cpuBefore = serverCpu(options.pids);
  const benchBefore = process.cpuUsage();
  const sampler = startSampler(options.pids[0] ?? null);
  const loadStart = performance.now();
  const writes = await pacedWrites(
    Math.round(options.duration * options.rate),
    options.rate,
    (index) => options.send(index),
  );
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const cpuAfter = serverCpu(options.pids);
  const bench = process.cpuUsage(benchBefore);
  const samples = sampler.stop();
  await sleep((options.settleSeconds ?? 2) * 1000);
  const emitsAfter = options.emits ? await options.emits() : null;
  const final = options.finalTallies ? await options.finalTallies() : null;

  const records = connected.records;
  const problems: string[] = [];
  const received = (record: SocketRecord): number =>
    options.event === 'tally' ? record.tallies : record.comments;
  const delivered = sumOf(records, received);
  let expected = records.length * writes.ok;
  if (emitsBefore && emitsAfter) {
    // socket i is on base i % bases (connectSockets): each base's room emits reach its sockets
    expected = 0;
    connected.perBase.forEach((count, which) => {
      expected += count * ((emitsAfter[which] ?? 0) - (emitsBefore[which] ?? 0));
    });
  }
  const cpuLoad = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  const netCpu =
    cpuLoad === null || idleRate === null
      ? null
      : cpuLoad - idleRate * loadSeconds - (writeCost ?? 0) * writes.ok;
  const machine = samples.flatMap((sample) =>
    sample.machineCpu === null ? [] : [sample.machineCpu],
  );
  const lost = records.filter((record) => record.lostReason !== null).length;
  const finalKey = final ? talliesKey(final) : null;
  const lastTallyMismatches =
    finalKey === null
      ? null
      : records.filter(
          (record, i) =>
            talliesKey(record.lastTallies ?? connected.sockets[i]?.subscribed.tallies ?? null) !==
            finalKey,
        ).length;
  const figures: PhaseFigures = {
    sockets: {
      requested: options.sockets,
      connected: records.length,
      perBase: connected.perBase,
      connectSeconds: round1(connected.seconds),
    },
    connectErrors: Object.fromEntries(connected.errors),
    lost,
    writes: {
      sent: writes.sent,
      ok: writes.ok,
      failed: writes.failed,
      errors: writes.errors,
      httpMs: distribution(writes.httpMs),
    },
    latencyMs: distribution(
      options.event === 'tally' ? seen.tallyLatencies : seen.commentLatencies,
    ),
    delivered,
    expected,
    deliveredPercent: expected > 0 ? Math.round((delivered / expected) * 100_000) / 1000 : null,
    eventsPerSocketPerSecond:
      options.event === 'tally'
        ? round1(
            records.length ? sumOf(records, (record) => record.tallyRate()) / records.length : 0,
          )
        : round1(records.length ? delivered / records.length / loadSeconds : 0),
    loadSeconds: round1(loadSeconds),
    serverCpuPercent: cpuLoad === null ? null : round1((cpuLoad / loadSeconds) * 100),
    idleCpuPercent: idleRate === null ? null : round1(idleRate * 100),
    writeCostUs: writeCost === null ? null : Math.round(writeCost * 1e6),
    emitCostUs: netCpu === null || delivered === 0 ? null : round2((netCpu * 1e6) / delivered),
    grossCostUs: cpuLoad === null || delivered === 0 ? null : round2((cpuLoad * 1e6) / delivered),
    machineBusyPercent: machine.length ? round1(sumOf(machine, (v) => v) / machine.length) : null,
    benchCpuPercent: round1(((bench.user + bench.system) / 1e6 / loadSeconds) * 100),
    seqProblems: sumOf(records, (record) => record.seqProblems),
    foreignComments: sumOf(records, (record) => record.foreignComments),
    versionRegressions: sumOf(records, (record) => record.versionRegressions),
    unmatchedTallies: sumOf(records, (record) => record.unmatchedTallies),
    lastTallyMismatches,
    problems,
  };
  if (connected.errors.size) {
    problems.push(
      `${options.sockets - records.length} sockets failed to subscribe: ${[...connected.errors.keys()][0]}`,
    );
  }
  if (lost) problems.push(`${lost} sockets lost during the run`);
  if (writes.failed || !writes.drained) {
    problems.push(
      `${writes.failed} writes failed${writes.drained ? '' : ', some never answered'}: ${writes.errors[0] ?? ''}`,
    );
  }
  if (figures.seqProblems) problems.push(`${figures.seqProblems} comment seq gaps or repeats`);
  if (figures.versionRegressions)
    problems.push(`${figures.versionRegressions} tally versions went back`);
  if (lastTallyMismatches) {
    problems.push(`${lastTallyMismatches} sockets ended on tallies ≠ the article's (${finalKey})`);
  }
  if (delivered > expected) problems.push(`delivered ${delivered} > expected ${expected}`);
  closeAll(connected);
  await sleep(500);
  log(
    `delivered ${delivered}/${expected}, latency p50 ${figures.latencyMs.p50} p99 ${figures.latencyMs.p99} ms, ` +
      `server CPU ${figures.serverCpuPercent}% (idle ${figures.idleCpuPercent}%), ` +
      `${figures.emitCostUs} µs/message, machine ${figures.machineBusyPercent}% of ${availableParallelism()} cores`,
  );
  return figures;
}

/** Server CPU seconds per write with nobody listening (net of idle), over a few seconds. */
async function calibrate(options: PhaseOptions): Promise<number | null> {
  const seconds = Math.min(5, options.duration);
  const idleFrom = serverCpu(options.pids);
  const idleAt = performance.now();
  await sleep(2_000);
  const idleTo = serverCpu(options.pids);
  const cpuFrom = serverCpu(options.pids);
  const startedAt = performance.now();
  const writes = await pacedWrites(
    Math.max(1, Math.round(seconds * options.rate)),
    options.rate,
    (index) => options.calibrate!(index),
  );
  const cpuTo = serverCpu(options.pids);
  if (idleFrom === null || idleTo === null || cpuFrom === null || cpuTo === null || !writes.ok)
    return null;
  const idleRate = (idleTo - idleFrom) / ((startedAt - idleAt) / 1000);
  const elapsed = (performance.now() - startedAt) / 1000;
  const perWrite = Math.max(0, (cpuTo - cpuFrom - idleRate * elapsed) / writes.ok);
  options.log(`write path alone: ${Math.round(perWrite * 1e6)} µs of server CPU per write`);
  return perWrite;
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
