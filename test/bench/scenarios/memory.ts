/**
 * `memory`: what one idle subscribed socket costs the server: RSS and V8 heap grown from before
 * the sockets connect to after they settle, divided by the sockets. Baseline in the same run:
 * the bare socket.io server with the same sockets (each joined to the article's room).
 */
import { randomUUID } from 'node:crypto';
import {
  closeAll,
  connectSockets,
  LIVE_BENCH_ENV,
  newObservations,
  scrapeMetrics,
  startBareServer,
} from '../fanout-phase';
import { ADMIN, createArticle, login, sleep, startBenchServer } from '../kit';
import { rssBytes } from '../measure';
import {
  type BenchContext,
  type BenchRow,
  intFlag,
  numberFlag,
  ratio,
  type Scenario,
  type ScenarioResult,
} from '../scenario';

interface Footprint {
  sockets: number;
  rssBefore: number | null;
  rssAfter: number | null;
  heapBefore: number;
  heapAfter: number;
  /** bytes per socket */
  rssPerSocket: number | null;
  heapPerSocket: number;
}

/**
 * RSS and heap before and after `count` sockets subscribe and settle. Heap: the least seen over
 * the settle samples (garbage not yet collected only adds to a sample); RSS: the last sample.
 */
async function footprint(
  pid: number,
  heap: () => Promise<number>,
  connect: () => Promise<number>,
  settleSeconds: number,
): Promise<Footprint> {
  const settle = async (): Promise<{ rss: number | null; heap: number }> => {
    let least = Number.POSITIVE_INFINITY;
    const samples = Math.max(2, Math.round(settleSeconds * 2));
    for (let i = 0; i < samples; i++) {
      await sleep(500);
      least = Math.min(least, await heap());
    }
    return { rss: rssBytes(pid), heap: least };
  };
  const before = await settle();
  const sockets = await connect();
  const after = await settle();
  return {
    sockets,
    rssBefore: before.rss,
    rssAfter: after.rss,
    heapBefore: before.heap,
    heapAfter: after.heap,
    rssPerSocket:
      before.rss === null || after.rss === null || sockets === 0
        ? null
        : Math.round((after.rss - before.rss) / sockets),
    heapPerSocket: sockets ? Math.round((after.heap - before.heap) / sockets) : 0,
  };
}

const kib = (bytes: number | null): number | null =>
  bytes === null ? null : Math.round((bytes / 1024) * 10) / 10;

export const memory: Scenario = {
  name: 'memory',
  summary: 'RSS and heap per idle subscribed socket, Townhall vs bare socket.io',
  options: {
    sockets: { type: 'string' },
    batch: { type: 'string' },
    settle: { type: 'string' },
  },
  usage: [
    '--sockets N          idle subscribed sockets (default 5000; --big 10000; --smoke 50)',
    '--settle S           seconds to settle before each measurement (default 4)',
  ],
  async run(context: BenchContext): Promise<ScenarioResult> {
    const { values, smoke, big, log } = context;
    const count = intFlag(values, 'sockets', smoke ? 50 : big ? 10_000 : 5_000, 1, 20_000);
    const batch = intFlag(values, 'batch', 200, 1, 5_000);
    const settleSeconds = numberFlag(values, 'settle', smoke ? 1 : 4, 0.5, 60);
    const problems: string[] = [];
    const connectAll = async (base: string, articleId: string, who: string): Promise<number> => {
      const connected = await connectSockets([base], articleId, count, newObservations(), batch);
      if (connected.errors.size) {
        problems.push(`${who}: ${count - connected.records.length} sockets failed to subscribe`);
      }
      log(
        `${who}: ${connected.records.length}/${count} sockets subscribed in ${connected.seconds.toFixed(1)} s`,
      );
      closers.push(() => closeAll(connected));
      return connected.records.length;
    };
    const closers: (() => void)[] = [];

    const bare = await startBareServer();
    let baseline: Footprint;
    try {
      baseline = await footprint(
        bare.pid,
        async () => (await bare.stats()).heapUsed,
        () => connectAll(bare.base, randomUUID(), 'bare'),
        settleSeconds,
      );
    } finally {
      closers.splice(0).forEach((close) => close());
      await bare.stop();
    }

    const server = await startBenchServer({ env: LIVE_BENCH_ENV });
    const admin = await login(server.base, ADMIN.username, ADMIN.password);
    const articleId = await createArticle(server.base, admin, `Memory bench ${Date.now()}`);
    const townhall = await footprint(
      server.pid,
      async () =>
        (await scrapeMetrics(server.base)).get('townhall_nodejs_heap_size_used_bytes') ?? NaN,
      () => connectAll(server.base, articleId, 'Townhall'),
      settleSeconds,
    );
    closers.splice(0).forEach((close) => close());
    log(
      `RSS per socket: Townhall ${kib(townhall.rssPerSocket)} KiB, bare ${kib(baseline.rssPerSocket)} KiB; ` +
        `heap: ${kib(townhall.heapPerSocket)} vs ${kib(baseline.heapPerSocket)} KiB`,
    );

    const rssRatio = ratio(townhall.rssPerSocket, baseline.rssPerSocket);
    const row = (
      metric: string,
      th: number | null,
      base: number | null,
      target = '',
      met: boolean | null = null,
    ): BenchRow => ({
      scenario: 'memory',
      metric: `${metric}, ${count} idle sockets`,
      townhall: th,
      baseline: base,
      baselineName: 'bare socket.io',
      ratio: ratio(th, base),
      target,
      met: smoke ? null : met,
    });
    return {
      rows: [
        row(
          'RSS per subscribed socket (KiB)',
          kib(townhall.rssPerSocket),
          kib(baseline.rssPerSocket),
          '≤ 1.3× baseline',
          rssRatio === null ? null : rssRatio <= 1.3,
        ),
        row(
          'heap per subscribed socket (KiB)',
          kib(townhall.heapPerSocket),
          kib(baseline.heapPerSocket),
        ),
      ],
      details: { sockets: count, settleSeconds, townhall, bare: baseline },
      problems,
    };
  },
};
