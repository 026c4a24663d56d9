/**
 * `replay-storm`: replay as an amplifier. N sockets from one address each ask ten times a second
 * for the last 999 events of an article (`subscribe` with `since = seq − 999`, ~650 KiB per
 * ack), while an observer reads another article whose comments are posted every 100 ms.
 * Measured: the observer's post → `comment.created` p99 with the server idle and during the
 * storm, with the replay budget (the defaults) and without it (limits of 2^30 bytes), and the
 * replay bytes per second the storm got. Target: observer p99 during the storm ≤ 3× idle.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { CommentCreatedEvent } from '../../../src/realtime/contract';
import { connectors, type EventSink } from '../clients';
import { CONNECT_TIMEOUT_MS, LIVE_BENCH_ENV } from '../fanout-phase';
import { ADMIN, api, createArticle, login, registerUsers, sleep, startBenchServer } from '../kit';
import { distribution, round1 } from '../measure';
import {
  type BenchContext,
  type BenchRow,
  intFlag,
  ratio,
  type Scenario,
  type ScenarioResult,
} from '../scenario';

const REPLAY = 999;
const ASKS_PER_SECOND = 10;
const OBSERVED_POST_MS = 50;
const BODY = 'A comment long enough to make a replay weigh what a real thread does. '.repeat(8);
/** The budget with its opt-in byte rates as README suggests them (the in-flight bounds default). */
const BUDGETED = {
  SOCKET_REPLAY_RATE_PER_IP: String(1024 * 1024),
  SOCKET_REPLAY_RATE_TOTAL: String(16 * 1024 * 1024),
};
const UNBUDGETED = {
  SOCKET_REPLAY_BYTES: String(2 ** 30),
  SOCKET_REPLAY_BYTES_PER_IP: String(2 ** 30),
  SOCKET_REPLAY_BYTES_TOTAL: String(2 ** 30),
  SOCKET_REPLAY_RATE_PER_IP: '0',
  SOCKET_REPLAY_RATE_TOTAL: '0',
};

interface StormCounts {
  replayed: number;
  refused: number;
  bytes: number;
}

/** A storming socket: raw WebSocket, counts its acks without parsing the big ones. */
async function stormer(base: string, counts: StormCounts): Promise<WebSocket> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, {
    perMessageDeflate: false,
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('stormer not connected')), CONNECT_TIMEOUT_MS);
    ws.once('error', reject);
    ws.on('message', (data: Buffer) => {
      // the head says what it is: a big replay is never decoded
      const frame = data.subarray(0, 40).toString();
      if (frame === '2') ws.send('3');
      else if (frame[0] === '0') ws.send('40');
      else if (frame.startsWith('40')) {
        clearTimeout(timer);
        resolve();
      } else if (frame.startsWith('43')) {
        if (frame.slice(0, 40).includes('"ok":false')) counts.refused++;
        else {
          counts.replayed++;
          counts.bytes += data.length;
        }
      }
    });
  });
  return ws;
}

/** Posts to `articleId` every OBSERVED_POST_MS and times each until the observer sees it. */
async function observe(
  base: string,
  articleId: string,
  token: string,
  seconds: number,
): Promise<{ latencies: number[]; unseen: number }> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const sink: EventSink = {
    comment(event: CommentCreatedEvent, at: number) {
      const body = event.comment.body ?? '';
      const started = sentAt.get(body);
      if (started === undefined) return;
      sentAt.delete(body);
      latencies.push(at - started);
    },
    tally() {},
    presence() {},
    lost() {},
  };
  const socket = await connectors.raw(base, articleId, sink, CONNECT_TIMEOUT_MS);
  const posts: Promise<unknown>[] = [];
  const end = performance.now() + seconds * 1000;
  for (let i = 0; performance.now() < end; i++) {
    const body = `observed ${i} ${performance.now()}`;
    sentAt.set(body, performance.now());
    posts.push(
      api(base, 'POST', `/api/articles/${articleId}/comments`, {
        token,
        body: { body },
        expect: 201,
      }),
    );
    await sleep(OBSERVED_POST_MS);
  }
  await Promise.all(posts);
  for (let waited = 0; sentAt.size > 0 && waited < 5_000; waited += 50) await sleep(50);
  socket.close();
  return { latencies, unseen: sentAt.size };
}

interface Phase {
  p50: number | null;
  p99: number | null;
  unseen: number;
  storm?: StormCounts & { mibPerSecond: number };
}

async function runServer(
  context: BenchContext,
  label: string,
  env: Record<string, string>,
  sizes: { events: number; sockets: number; seconds: number },
  withIdle: boolean,
): Promise<{ idle: Phase | null; storm: Phase }> {
  const { log } = context;
  const server = await startBenchServer({
    env: { ...LIVE_BENCH_ENV, ...env },
    cpuProf: withIdle && context.values['cpu-prof'] === true,
  });
  const admin = await login(server.base, ADMIN.username, ADMIN.password);
  const [author] = await registerUsers(server.base, 1);
  const stormed = await createArticle(server.base, admin, `Replay storm ${Date.now()}`);
  const watched = await createArticle(server.base, admin, `Observed ${Date.now()}`);
  for (let i = 0; i < sizes.events; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, sizes.events - i) }, (_, k) =>
        api(server.base, 'POST', `/api/articles/${stormed}/comments`, {
          token: author!.token,
          body: { body: `${i + k} ${BODY}` },
          expect: 201,
        }),
      ),
    );
  }
  const since = Math.max(0, sizes.events - REPLAY);

  const phase = async (storm: boolean): Promise<Phase> => {
    const counts: StormCounts = { replayed: 0, refused: 0, bytes: 0 };
    const sockets: WebSocket[] = [];
    const timers: NodeJS.Timeout[] = [];
    for (let i = 0; storm && i < sizes.sockets; i++)
      sockets.push(await stormer(server.base, counts));
    const started = performance.now();
    const ask = (ws: WebSocket, id: number): void =>
      ws.send(`42${id}${JSON.stringify(['subscribe', { articleId: stormed, since }])}`);
    // each stormer asks ASKS_PER_SECOND times a second, whatever came back, spread over the period
    sockets.forEach((ws, i) => {
      let id = 0;
      const offset = (i * 1000) / ASKS_PER_SECOND / sockets.length;
      timers.push(
        setTimeout(() => {
          timers.push(setInterval(() => ask(ws, id++), 1000 / ASKS_PER_SECOND));
        }, offset),
      );
    });
    const seen = await observe(server.base, watched, author!.token, sizes.seconds);
    const elapsed = (performance.now() - started) / 1000;
    for (const timer of timers) clearTimeout(timer);
    for (const ws of sockets) ws.terminate();
    const latency = distribution(seen.latencies);
    const result: Phase = { p50: latency.p50, p99: latency.p99, unseen: seen.unseen };
    if (storm) {
      result.storm = { ...counts, mibPerSecond: round1(counts.bytes / 1024 / 1024 / elapsed) };
    }
    log(
      `${label} ${storm ? 'storm' : 'idle'}: observer p50 ${latency.p50} ms, p99 ${latency.p99} ms` +
        (storm
          ? `; ${counts.replayed} replays (${result.storm!.mibPerSecond} MiB/s), ${counts.refused} refused`
          : ''),
    );
    await sleep(500);
    return result;
  };

  const idle = withIdle ? await phase(false) : null;
  const storm = await phase(true);
  return { idle, storm };
}

export const replayStorm: Scenario = {
  name: 'replay-storm',
  summary:
    "N sockets replaying 999 events 10×/s: another reader's p99, with and without the budget",
  options: {
    sockets: { type: 'string' },
    events: { type: 'string' },
    seconds: { type: 'string' },
    'cpu-prof': { type: 'boolean' },
  },
  usage: [
    '--sockets N          storming sockets, all from 127.0.0.1 (default 100; --smoke 10)',
    '--events M           comments on the stormed article (default 1000; --smoke 60)',
    '--seconds S          length of each phase (default 10; --smoke 2)',
    '--cpu-prof           a V8 CPU profile of the server with the budget, in bench-results/',
  ],
  async run(context: BenchContext): Promise<ScenarioResult> {
    const { values, smoke } = context;
    const sizes = {
      sockets: intFlag(values, 'sockets', smoke ? 10 : 100, 1, 2_000),
      events: intFlag(values, 'events', smoke ? 60 : 1_000, 10, 5_000),
      seconds: intFlag(values, 'seconds', smoke ? 2 : 10, 1, 600),
    };
    const budgeted = await runServer(context, 'budget', BUDGETED, sizes, true);
    const unbudgeted = await runServer(context, 'no budget', UNBUDGETED, sizes, false);
    const idle = budgeted.idle!;
    const problems: string[] = [];
    for (const [name, phase] of [
      ['idle', idle],
      ['storm with budget', budgeted.storm],
      ['storm without budget', unbudgeted.storm],
    ] as const) {
      if (phase.unseen > 0)
        problems.push(`${name}: ${phase.unseen} observed comments never arrived`);
    }
    const label = `${sizes.sockets} sockets × ${ASKS_PER_SECOND}/s × ${Math.min(REPLAY, sizes.events)} events`;
    const within = (p99: number | null): boolean | null =>
      smoke || p99 === null || idle.p99 === null ? null : p99 <= 3 * idle.p99;
    const rows: BenchRow[] = [
      {
        scenario: 'replay-storm',
        metric: `observer post → event p99 (ms) during the storm, ${label}`,
        townhall: budgeted.storm.p99,
        baseline: idle.p99,
        baselineName: 'the same observer, no storm',
        ratio: ratio(budgeted.storm.p99, idle.p99),
        target: '≤ 3× idle',
        met: within(budgeted.storm.p99),
      },
      {
        scenario: 'replay-storm',
        metric: `observer p99 (ms) during the storm without the replay budget, ${label}`,
        townhall: unbudgeted.storm.p99,
        baseline: idle.p99,
        baselineName: 'the same observer, no storm',
        ratio: ratio(unbudgeted.storm.p99, idle.p99),
        target: '',
        met: null,
      },
      {
        scenario: 'replay-storm',
        metric: 'replay MiB/s sent to the storm, with the budget ÷ without',
        townhall: budgeted.storm.storm!.mibPerSecond,
        baseline: unbudgeted.storm.storm!.mibPerSecond,
        baselineName: 'no replay budget',
        ratio: ratio(budgeted.storm.storm!.mibPerSecond, unbudgeted.storm.storm!.mibPerSecond),
        target: '',
        met: null,
      },
    ];
    return {
      rows,
      details: { sizes, idle, budgeted: budgeted.storm, unbudgeted: unbudgeted.storm },
      problems,
    };
  },
};
