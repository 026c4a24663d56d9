/**
 * `relay`: four instances (`--instances`) on one Redis of the bench's own and one database,
 * each with readers of its own articles only (disjoint between instances). Comments and votes
 * go to every article at a steady rate, first each through the instance that serves it, then
 * through every instance in turn (as a load balancer spreads them). The figure, per instance:
 * relay messages it parsed (`townhall_relay_messages_total{outcome="parsed"}`) ÷ the relay
 * events of the articles it holds, which a subscriber on Redis counts (issue 19: ≤ 1.1). Run
 * with per-article channels (Townhall) and with REDIS_CHANNELS=global (the single channel as
 * before: the baseline). Exactness: every reader has every seq of its articles once and in
 * order, and the final tallies.
 */
import Redis from 'ioredis';
import type { Tallies } from '../../../src/realtime/contract';
import { articleChannel } from '../../../src/realtime/fanout/article-channels';
import { killAllRedisServers, startRedisServer } from '../../support/redis-server';
import { connect, type TestSocket } from '../../support/socket-clients';
import type { TestDatabase } from '../../support/test-database';
import { scrapeMetrics, talliesKey, VoteCycle } from '../fanout-phase';
import { type Account, ADMIN, api, createArticle, login, registerUsers } from '../kit';
import { onCleanup, sleep, startBenchServer } from '../kit';
import { round1 } from '../measure';
import { type BenchRow, intFlag, numberFlag, ratio, type Scenario } from '../scenario';

const GLOBAL_CHANNEL = 'townhall:events';
const NO_VOTES: Tallies = { interesting: { up: 0, down: 0 }, support: { up: 0, down: 0 } };
const TARGET = 1.1;
/** How long the readers may take to have every comment and the last tallies of a phase. */
const DELIVERY_TIMEOUT_MS = 30_000;
/** After that, for relay messages still on their way (a tally of another writer). */
const SETTLE_MS = 500;

type Channels = 'article' | 'global';
/** Which instance writes an article's events: the one serving it, or each in turn. */
type Writes = 'serving' | 'spread';
const WRITES: Writes[] = ['serving', 'spread'];
const WRITES_NAME: Record<Writes, string> = {
  serving: 'writes via the serving instance',
  spread: 'writes via every instance in turn',
};

interface Load {
  instances: number;
  articlesPerInstance: number;
  readersPerInstance: number;
  rate: number;
  duration: number;
  users: number;
  /** after the readers subscribed, before the first phase */
  settleMs: number;
}

/** One instance's relay in one phase: what it parsed and dropped, and its articles' events. */
interface InstanceCounts {
  parsed: number;
  own: number;
  events: number;
}

type RatioName = 'parsedRatios' | 'receivedRatios' | 'ownRatios';

interface PhaseResult {
  writes: Writes;
  written: number;
  seconds: number;
  perInstance: InstanceCounts[];
  /** parsed ÷ events per instance */
  parsedRatios: (number | null)[];
  receivedRatios: (number | null)[];
  ownRatios: (number | null)[];
}

/** A reader socket on one instance: the seqs and the newest tallies of each of its articles. */
interface Reader {
  socket: TestSocket;
  seqs: Map<string, number[]>;
  tallies: Map<string, { version: number; tallies: Tallies }>;
}

export const relay: Scenario = {
  name: 'relay',
  summary: 'instances with readers of disjoint articles: relay messages parsed per own event',
  options: {
    instances: { type: 'string' },
    'relay-articles': { type: 'string' },
    'relay-readers': { type: 'string' },
    'write-rate': { type: 'string' },
    duration: { type: 'string' },
    users: { type: 'string' },
  },
  usage: [
    '--instances N        instances on one Redis (default 4)',
    '--relay-articles N   articles per instance (default 8; smoke 2)',
    '--relay-readers N    reader sockets per instance, each on all its articles (default 4; smoke 1)',
    '--write-rate R       comments + votes per second over all articles (default 40; smoke 20)',
    '--duration S         seconds of writes per phase (default 15; smoke 1)',
    '--users N            commenters and voters (default 20; smoke 4)',
  ],
  async run(context) {
    const { values, smoke, log } = context;
    const load: Load = {
      instances: intFlag(values, 'instances', 4, 2, 16),
      articlesPerInstance: intFlag(values, 'relay-articles', smoke ? 2 : 8, 1, 40),
      readersPerInstance: intFlag(values, 'relay-readers', smoke ? 1 : 4, 1, 200),
      rate: numberFlag(values, 'write-rate', smoke ? 20 : 40, 1, 1_000),
      duration: numberFlag(values, 'duration', smoke ? 1 : 15, 1, 600),
      users: intFlag(values, 'users', smoke ? 4 : 20, 1, 1_000),
      settleMs: smoke ? 500 : 1_500,
    };
    log(
      `${load.instances} instances × ${load.articlesPerInstance} articles, ` +
        `${load.readersPerInstance} readers each; ${load.rate} writes/s for ${load.duration} s ` +
        `per phase; REDIS_CHANNELS=global first`,
    );
    const redis = await startRedisServer();
    onCleanup('stop the bench redis-server', () => killAllRedisServers());
    const problems: string[] = [];
    const state: { database?: TestDatabase; users: Account[] } = { users: [] };
    const results = {} as Record<Channels, PhaseResult[]>;
    for (const channels of ['global', 'article'] as const) {
      results[channels] = await deployment(channels, load, redis.url, state, problems, log);
    }

    const worst = (ratios: (number | null)[]): number | null =>
      ratios.some((value) => value === null) ? null : Math.max(...(ratios as number[]));
    const rows: BenchRow[] = WRITES.flatMap((writes, p) => {
      const townhall = results.article[p]!;
      const global = results.global[p]!;
      const row = (metric: string, of: RatioName, target: boolean): BenchRow => {
        const th = worst(townhall[of]);
        const base = worst(global[of]);
        return {
          scenario: 'relay',
          metric,
          townhall: th,
          baseline: base,
          baselineName: 'REDIS_CHANNELS=global',
          ratio: ratio(th, base),
          target: target ? `≤ ${TARGET}` : '',
          met: target && !smoke && th !== null ? th <= TARGET : null,
        };
      };
      return [
        row(
          `relay parsed ÷ own-article events, ${WRITES_NAME[writes]} (worst of ${load.instances})`,
          'parsedRatios',
          true,
        ),
        row('  received (parsed + own echoes) ÷ own-article events', 'receivedRatios', false),
        row('  own echoes ÷ own-article events', 'ownRatios', false),
      ];
    });
    return { rows, details: { load, townhall: results.article, global: results.global }, problems };
  },
};

/**
 * One deployment: `load.instances` fresh instances with REDIS_CHANNELS=`channels`, fresh
 * articles and readers, then each write phase; the instances are stopped at the end.
 */
async function deployment(
  channels: Channels,
  load: Load,
  redisUrl: string,
  state: { database?: TestDatabase; users: Account[] },
  problems: string[],
  log: (line: string) => void,
): Promise<PhaseResult[]> {
  const env = { REDIS_URL: redisUrl, REDIS_CHANNELS: channels };
  // the first instance of the run creates (and migrates) the database, the others share it
  const first = state.database ? [] : [await startBenchServer({ env })];
  state.database ??= first[0]!.database;
  const database = state.database;
  const rest = await Promise.all(
    Array.from({ length: load.instances - first.length }, () =>
      startBenchServer({ database, env }),
    ),
  );
  const servers = [...first, ...rest];
  const bases = servers.map((server) => server.base);
  log(`REDIS_CHANNELS=${channels}: instances pids ${servers.map((s) => s.pid).join(', ')}`);
  if (!state.users.length) state.users = await registerUsers(bases[0]!, load.users);
  const users = state.users;
  const admin = await login(bases[0]!, ADMIN.username, ADMIN.password);
  /** held[i]: the articles instance i serves */
  const held: string[][] = [];
  for (let i = 0; i < load.instances; i++) {
    const articles: string[] = [];
    for (let a = 0; a < load.articlesPerInstance; a++) {
      articles.push(await createArticle(bases[0]!, admin, `Relay bench ${channels} ${i}.${a}`));
    }
    held.push(articles);
  }
  const owner = new Map(held.flatMap((articles, i) => articles.map((id) => [id, i] as const)));
  const readers: Reader[][] = [];
  for (let i = 0; i < load.instances; i++) {
    const mine: Reader[] = [];
    for (let r = 0; r < load.readersPerInstance; r++) mine.push(await reader(bases[i]!, held[i]!));
    readers.push(mine);
  }
  const sockets = readers.flat().map((one) => one.socket);
  onCleanup(`close the ${channels} readers`, async () => sockets.forEach((s) => s.close()));

  // the events of each article as they cross Redis, whichever instance wrote them
  const counter = new Redis(redisUrl, { lazyConnect: true });
  onCleanup(`close the ${channels} relay counter`, async () => void counter.disconnect());
  await counter.connect();
  const events = new Map<string, number>();
  const count = (_channel: string, raw: string): void => {
    const message = JSON.parse(raw.slice(raw.indexOf(' ') + 1)) as {
      event: { articleId?: unknown } | null;
    };
    const articleId = message.event?.articleId;
    if (typeof articleId === 'string' && owner.has(articleId)) {
      events.set(articleId, (events.get(articleId) ?? 0) + 1);
    }
  };
  counter.on('message', count);
  counter.on('smessage', count);
  await counter.subscribe(GLOBAL_CHANNEL);
  for (const articleId of owner.keys()) await counter.ssubscribe(articleChannel(articleId));
  // presence settles (hello and answers) before the counting starts
  await sleep(load.settleMs);

  const comments = new Map<string, number>();
  const cycles = new Map([...owner.keys()].map((id) => [id, new VoteCycle(users.length)]));
  const expectedTallies = new Map<string, Tallies>();
  const writesOf = new Map<string, number>();
  const results: PhaseResult[] = [];
  for (const writes of WRITES) {
    const before = await relayCounts(bases);
    events.clear();
    const articles = [...owner.keys()];
    const total = Math.round(load.rate * load.duration);
    const inFlight: Promise<void>[] = [];
    const failures: string[] = [];
    const began = performance.now();
    for (let k = 0; k < total; k++) {
      await sleep(began + (k / load.rate) * 1000 - performance.now());
      const articleId = articles[k % articles.length]!;
      const n = writesOf.get(articleId) ?? 0;
      writesOf.set(articleId, n + 1);
      const base =
        bases[
          writes === 'serving' ? owner.get(articleId)! : (owner.get(articleId)! + n) % bases.length
        ]!;
      const user = users[k % users.length]!;
      // an article's writes alternate: a comment, a vote, a comment, …
      if (n % 2 === 0) {
        comments.set(articleId, (comments.get(articleId) ?? 0) + 1);
        const path = `/api/articles/${articleId}/comments`;
        const body = { body: `relay bench comment ${n / 2} on ${articleId}` };
        inFlight.push(
          api(base, 'POST', path, { token: user.token, body, expect: 201 }).then(
            () => undefined,
            (error: Error) => void failures.push(error.message),
          ),
        );
      } else {
        const vote = cycles.get(articleId)!.next((n - 1) / 2);
        expectedTallies.set(articleId, vote.tallies);
        const { token } = users[vote.user]!;
        const path = `/api/articles/${articleId}/votes/${vote.dimension}`;
        const sent =
          vote.value === null
            ? api(base, 'DELETE', path, { token, expect: 200 })
            : api(base, 'PUT', path, { token, body: { value: vote.value }, expect: 200 });
        inFlight.push(
          sent.then(
            () => undefined,
            (error: Error) => void failures.push(error.message),
          ),
        );
      }
    }
    await Promise.all(inFlight);
    const seconds = (performance.now() - began) / 1000;
    if (failures.length) {
      problems.push(
        `${channels}, ${writes}: ${failures.length} write(s) failed, e.g. ${failures[0]}`,
      );
    }
    const delivered = (): boolean =>
      readers
        .flat()
        .every((one) =>
          [...one.seqs].every(
            ([articleId, seqs]) =>
              seqs.length >= (comments.get(articleId) ?? 0) &&
              talliesKey(one.tallies.get(articleId)?.tallies ?? null) ===
                talliesKey(expectedTallies.get(articleId) ?? NO_VOTES),
          ),
        );
    const deadline = performance.now() + DELIVERY_TIMEOUT_MS;
    while (!delivered() && performance.now() < deadline) await sleep(25);
    await sleep(SETTLE_MS);
    const after = await relayCounts(bases);
    const perInstance = held.map((articles, i) => ({
      parsed: after[i]!.parsed - before[i]!.parsed,
      own: after[i]!.own - before[i]!.own,
      events: articles.reduce((sum, id) => sum + (events.get(id) ?? 0), 0),
    }));
    const per = (of: (counts: InstanceCounts) => number) =>
      perInstance.map((counts) => (counts.events ? round2(of(counts) / counts.events) : null));
    const result: PhaseResult = {
      writes,
      written: total,
      seconds: round1(seconds),
      perInstance,
      parsedRatios: per((counts) => counts.parsed),
      receivedRatios: per((counts) => counts.parsed + counts.own),
      ownRatios: per((counts) => counts.own),
    };
    results.push(result);
    log(
      `${channels}, ${WRITES_NAME[writes]}: ${total} writes in ${result.seconds} s; per instance ` +
        `own-article events ${perInstance.map((c) => c.events).join(', ')}, parsed ` +
        `${perInstance.map((c) => c.parsed).join(', ')}, own ${perInstance.map((c) => c.own).join(', ')}; ` +
        `parsed ÷ events ${result.parsedRatios.join(', ')}, received ÷ events ${result.receivedRatios.join(', ')}`,
    );
  }

  // exactness: every seq of an article once and in order at each of its readers, and the tallies
  const wrong: string[] = [];
  readers.flat().forEach((one) => {
    for (const [articleId, seqs] of one.seqs) {
      const expected = Array.from({ length: comments.get(articleId) ?? 0 }, (_, s) => s + 1);
      if (seqs.join() !== expected.join()) {
        wrong.push(`${articleId}: seqs ${seqs.join(',')} (expected 1..${expected.length})`);
      }
      const tallies = talliesKey(one.tallies.get(articleId)?.tallies ?? null);
      const expectedKey = talliesKey(expectedTallies.get(articleId) ?? NO_VOTES);
      if (tallies !== expectedKey)
        wrong.push(`${articleId}: tallies ${tallies}, ${expectedKey} voted`);
    }
  });
  if (wrong.length) {
    problems.push(`${channels}: ${wrong.length} reader article(s) wrong, e.g. ${wrong[0]}`);
  }
  sockets.forEach((socket) => socket.close());
  await counter.quit();
  await Promise.all(servers.map((server) => server.server.stop()));
  return results;
}

/** A reader on `base` subscribed to `articleIds`, recording seqs and the newest tallies. */
async function reader(base: string, articleIds: string[]): Promise<Reader> {
  const socket = await connect(base);
  const one: Reader = {
    socket,
    seqs: new Map(articleIds.map((id) => [id, []])),
    tallies: new Map(),
  };
  const keep = (articleId: string, version: number, tallies: Tallies): void => {
    const known = one.tallies.get(articleId);
    if (!known || known.version < version) one.tallies.set(articleId, { version, tallies });
  };
  socket.on('comment.created', (event) => one.seqs.get(event.articleId)?.push(event.seq));
  socket.on('tally', (event) => keep(event.articleId, event.version, event.tallies));
  for (const articleId of articleIds) {
    const ack = await socket.timeout(10_000).emitWithAck('subscribe', { articleId });
    if (!ack.ok) throw new Error(`subscribe refused: ${JSON.stringify(ack)}`);
    keep(articleId, ack.version, ack.tallies);
  }
  return one;
}

/** Per base: relay messages received so far, parsed and own echoes, over both channels. */
async function relayCounts(bases: string[]): Promise<{ parsed: number; own: number }[]> {
  const scraped = await Promise.all(bases.map((base) => scrapeMetrics(base)));
  return scraped.map((values) => {
    const sum = (outcome: string): number =>
      [...values]
        .filter(([key]) => key.startsWith('townhall_relay_messages_total{'))
        .filter(([key]) => key.includes(`outcome="${outcome}"`))
        .reduce((total, [, value]) => total + value, 0);
    return { parsed: sum('parsed'), own: sum('own') };
  });
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
