/**
 * `catch-up`: N sockets subscribed to one article drop, M comment events happen, and all
 * resubscribe at once with `since` = the last `seq` each saw. Measured: the time from the first
 * resubscribe until every socket has every missed event (they come in the `missed` of the ack,
 * in order), and the PostgreSQL queries the feeds issued meanwhile
 * (`townhall_realtime_queries_total`). No bare equivalent exists: the baseline is the
 * uncoalesced design, one replay read (and one snapshot read) per resubscribe.
 */
import { performance } from 'node:perf_hooks';
import type { CommentCreatedEvent, ReplayedEvent } from '../../../src/realtime/contract';
import { connectors, type EventSink, openRaw, type OpenSocket } from '../clients';
import { CONNECT_TIMEOUT_MS, LIVE_BENCH_ENV, scrapeMetrics } from '../fanout-phase';
import {
  ADMIN,
  api,
  createArticle,
  login,
  onCleanup,
  registerUsers,
  sleep,
  startBenchServer,
} from '../kit';
import { distribution } from '../measure';
import {
  type BenchContext,
  type BenchRow,
  intFlag,
  type Scenario,
  type ScenarioResult,
} from '../scenario';

const POST_CONCURRENCY = 10;
const SUBSCRIBE_TIMEOUT_MS = 60_000;

/** What one socket saw: the last seq, and whether any came out of order. */
class SeqSink implements EventSink {
  lastSeq = 0;
  problems = 0;
  lostReason: string | null = null;
  /** performance.now() when the socket held every event up to `target` */
  completeAt: number | null = null;

  constructor(private readonly target: () => number) {}

  take(seq: number, at: number): void {
    if (seq !== this.lastSeq + 1) this.problems++;
    this.lastSeq = Math.max(this.lastSeq, seq);
    if (this.completeAt === null && this.lastSeq >= this.target()) this.completeAt = at;
  }

  comment(event: CommentCreatedEvent, at: number): void {
    this.take(event.seq, at);
  }

  tally(): void {}
  presence(): void {}

  lost(reason: string): void {
    this.lostReason ??= reason;
  }
}

const queryCounts = async (base: string): Promise<Record<string, number>> => {
  const values = await scrapeMetrics(base);
  const counts: Record<string, number> = {};
  for (const query of ['snapshot', 'replay', 'gap', 'check']) {
    counts[query] = values.get(`townhall_realtime_queries_total{query="${query}"}`) ?? 0;
  }
  return counts;
};

export const catchUp: Scenario = {
  name: 'catch-up',
  summary: 'N sockets drop, M comment events, all resubscribe with `since`: time, queries',
  options: {
    sockets: { type: 'string' },
    events: { type: 'string' },
    batch: { type: 'string' },
    users: { type: 'string' },
    'cpu-prof': { type: 'boolean' },
  },
  usage: [
    '--sockets N          sockets that drop and resubscribe (default 1000; --smoke 20)',
    '--events M           comment events while they are away (default 500; --smoke 30)',
  ],
  async run(context: BenchContext): Promise<ScenarioResult> {
    const { values, smoke, log } = context;
    const count = intFlag(values, 'sockets', smoke ? 20 : 1_000, 1, 20_000);
    const events = intFlag(values, 'events', smoke ? 30 : 500, 1, 1_000);
    const batch = intFlag(values, 'batch', 200, 1, 5_000);
    const userCount = intFlag(values, 'users', smoke ? 4 : 20, 1, 1_000);
    const problems: string[] = [];

    const server = await startBenchServer({
      cpuProf: values['cpu-prof'] === true,
      env: LIVE_BENCH_ENV,
    });
    const admin = await login(server.base, ADMIN.username, ADMIN.password);
    const articleId = await createArticle(server.base, admin, `Catch-up bench ${Date.now()}`);
    const users = await registerUsers(server.base, userCount);
    let posted = 0;
    const post = (): Promise<unknown> => {
      const index = posted++;
      return api(server.base, 'POST', `/api/articles/${articleId}/comments`, {
        token: users[index % users.length]!.token,
        body: { body: `catch-up ${index}: a comment posted while its readers were away` },
        expect: 201,
      });
    };
    const postMany = async (total: number): Promise<void> => {
      let left = total;
      await Promise.all(
        Array.from({ length: POST_CONCURRENCY }, async () => {
          while (left > 0) {
            left--;
            await post();
          }
        }),
      );
    };
    await postMany(10); // a history the sockets have seen

    // subscribe, then drop
    let target = Number.POSITIVE_INFINITY;
    const before: SeqSink[] = [];
    const first = [];
    for (let start = 0; start < count; start += batch) {
      const size = Math.min(batch, count - start);
      first.push(
        ...(await Promise.all(
          Array.from({ length: size }, () => {
            const sink = new SeqSink(() => target);
            before.push(sink);
            return connectors
              .raw(server.base, articleId, sink, CONNECT_TIMEOUT_MS)
              .then((socket) => {
                sink.lastSeq = socket.subscribed.seq;
                return socket;
              });
          }),
        )),
      );
    }
    const lastSeen = before.map((sink) => sink.lastSeq);
    for (const socket of first) socket.close();
    log(
      `${count} sockets subscribed at seq ${Math.min(...lastSeen)}…${Math.max(...lastSeen)}, dropped`,
    );
    for (let waited = 0; waited < 10_000; waited += 100) {
      const gauges = await scrapeMetrics(server.base);
      if ((gauges.get('townhall_subscriptions') ?? 0) === 0) break;
      await sleep(100);
    }

    // the events they miss
    const postStart = performance.now();
    await postMany(events);
    target = Math.max(...lastSeen) + events;
    log(
      `${events} comments posted in ${((performance.now() - postStart) / 1000).toFixed(1)} s ` +
        `; reconnecting`,
    );

    // reconnect (namespace only), then resubscribe all at once with `since`
    const sinks = lastSeen.map((seq) => {
      const sink = new SeqSink(() => target);
      sink.lastSeq = seq;
      return sink;
    });
    const open: OpenSocket[] = [];
    onCleanup('close catch-up sockets', async () => {
      for (const socket of open) socket.close();
      await sleep(200);
    });
    for (let start = 0; start < count; start += batch) {
      const size = Math.min(batch, count - start);
      open.push(
        ...(await Promise.all(
          Array.from({ length: size }, (_, k) =>
            openRaw(server.base, sinks[start + k]!, CONNECT_TIMEOUT_MS),
          ),
        )),
      );
    }
    await sleep(500);
    const queriesBefore = await queryCounts(server.base);
    const t0 = performance.now();
    const acks = await Promise.all(
      open.map(async (socket, i) => {
        const sink = sinks[i]!;
        const since = lastSeen[i]!;
        const { ack, at } = await socket.subscribe(articleId, since, SUBSCRIBE_TIMEOUT_MS);
        if (!ack.ok) {
          problems.push(`socket ${i}: subscribe refused: ${ack.error.code}`);
          return null;
        }
        if (ack.resync) problems.push(`socket ${i}: resync instead of a replay`);
        const missed: ReplayedEvent[] = ack.missed;
        for (const event of missed) sink.take(event.seq, at);
        if (ack.seq < target) problems.push(`socket ${i}: ack seq ${ack.seq} < ${target}`);
        return ack;
      }),
    );
    const ackedAt = performance.now();
    for (
      let waited = 0;
      waited < 5_000 && sinks.some((sink) => sink.completeAt === null);
      waited += 50
    ) {
      await sleep(50);
    }
    await sleep(1_000); // late duplicates would show here
    const queriesAfter = await queryCounts(server.base);
    for (const socket of open.splice(0)) socket.close();

    const complete = sinks.map((sink) => (sink.completeAt === null ? null : sink.completeAt - t0));
    const incomplete = complete.filter((ms) => ms === null).length;
    const allMs = incomplete ? null : Math.round(Math.max(...(complete as number[])));
    const seqProblems = sinks.reduce((total, sink) => total + sink.problems, 0);
    const lost = sinks.filter((sink) => sink.lostReason !== null).length;
    if (incomplete)
      problems.push(`${incomplete} sockets never received every event up to seq ${target}`);
    if (seqProblems) problems.push(`${seqProblems} seq gaps, repeats or out-of-order events`);
    if (lost) problems.push(`${lost} sockets lost during the catch-up`);
    if (acks.some((ack) => ack === null)) problems.push('some subscribes failed');
    const delta = (query: string): number =>
      (queriesAfter[query] ?? 0) - (queriesBefore[query] ?? 0);
    const replayQueries = delta('replay');
    const allQueries = ['snapshot', 'replay', 'gap', 'check'].reduce(
      (total, q) => total + delta(q),
      0,
    );
    log(
      `all ${count} sockets had all ${events} events after ${allMs} ms (acks in ${Math.round(ackedAt - t0)} ms); ` +
        `queries: ${JSON.stringify(Object.fromEntries(['snapshot', 'replay', 'gap', 'check'].map((q) => [q, delta(q)])))}`,
    );

    const label = `${count} sockets × ${events} events`;
    const rows: BenchRow[] = [
      {
        scenario: 'catch-up',
        metric: `time until all have every event (ms), ${label}`,
        townhall: allMs,
        baseline: null,
        baselineName: 'none',
        ratio: null,
        target: '≤ 2000 ms',
        met: smoke || allMs === null ? null : allMs <= 2000,
      },
      {
        scenario: 'catch-up',
        metric: `event-log replay queries, ${label}`,
        townhall: replayQueries,
        baseline: count,
        baselineName: 'one per resubscribe (uncoalesced)',
        ratio: Math.round((replayQueries / count) * 1000) / 1000,
        target: 'coalesced per article (≤ 0.01× baseline)',
        met: smoke ? null : replayQueries <= count / 100,
      },
      {
        scenario: 'catch-up',
        metric: `all feed queries during the catch-up, ${label}`,
        townhall: allQueries,
        baseline: 2 * count,
        baselineName: 'snapshot + replay per resubscribe (uncoalesced)',
        ratio: Math.round((allQueries / (2 * count)) * 1000) / 1000,
        target: '',
        met: null,
      },
    ];
    return {
      rows,
      details: {
        sockets: count,
        events,
        target,
        completeMs: distribution(complete.filter((ms): ms is number => ms !== null)),
        acksMs: Math.round(ackedAt - t0),
        queries: { before: queriesBefore, after: queriesAfter },
      },
      problems,
    };
  },
};
