/**
 * `presence`: readers come and go on many articles on two instances behind a Redis of the
 * bench's own; every message the instances put on the relay channel is counted by a subscriber
 * there. The figure is presence publications per second against the articles whose reader
 * count changed per second (the target: no more publications than that). Beside it,
 * what the previous design would have sent for the same load (one message per join and per
 * leave, a heartbeat per article held per instance every 5 s), counted from the load. Ends with
 * a check: a probe socket per article on the first instance is told the exact total.
 */
import Redis from 'ioredis';
import { seededRandom } from '../../support/seeded-random';
import { killAllRedisServers, startRedisServer } from '../../support/redis-server';
import { connect, type TestSocket } from '../../support/socket-clients';
import { LIVE_BENCH_ENV } from '../fanout-phase';
import { ADMIN, createArticle, login, onCleanup, sleep, startBenchServer } from '../kit';
import { round1 } from '../measure';
import { type BenchContext, intFlag, numberFlag, ratio, type Scenario } from '../scenario';

const CHANNEL = 'townhall:events';
/** The previous design's per-article heartbeat, for the comparison row. */
const OLD_HEARTBEAT_MS = 5_000;
/** A socket takes at most 50 subscriptions (contract); the bench keeps each below. */
const MAX_PER_SOCKET = 40;

interface Relayed {
  name: string;
  event: { counts?: unknown[] };
}

export const presence: Scenario = {
  name: 'presence',
  summary: 'readers joining and leaving many articles on 2 instances: presence messages on Redis',
  options: {
    'presence-articles': { type: 'string' },
    'presence-sockets': { type: 'string' },
    'change-rate': { type: 'string' },
    duration: { type: 'string' },
  },
  usage: [
    '--presence-articles N  articles read (default 200; smoke 5)',
    '--presence-sockets N   sockets per instance (default 100; smoke 4)',
    '--change-rate R        subscribes + unsubscribes per second (default 100; smoke 20)',
    '--duration S           seconds of load (default 20; smoke 3)',
  ],
  async run(context: BenchContext) {
    const { values, smoke, log } = context;
    const articleCount = intFlag(values, 'presence-articles', smoke ? 5 : 200, 1, 10_000);
    const perInstance = intFlag(values, 'presence-sockets', smoke ? 4 : 100, 1, 5_000);
    const rate = numberFlag(values, 'change-rate', smoke ? 20 : 100, 1, 5_000);
    const duration = numberFlag(values, 'duration', smoke ? 3 : 20, 1, 600);
    const load = { articles: articleCount, socketsPerInstance: perInstance, rate, duration };

    const redis = await startRedisServer();
    onCleanup('stop the bench redis-server', () => killAllRedisServers());
    const env = { ...LIVE_BENCH_ENV, REDIS_URL: redis.url };
    const first = await startBenchServer({ env });
    const second = await startBenchServer({ database: first.database, env });
    const bases = [first.base, second.base];
    log(`instances pids ${first.pid}, ${second.pid}; redis ${redis.url}`);
    const admin = await login(first.base, ADMIN.username, ADMIN.password);
    const articles: string[] = [];
    for (let i = 0; i < articleCount; i++) {
      articles.push(await createArticle(first.base, admin, `Presence bench ${i}`));
    }

    const sockets: { socket: TestSocket; base: number; held: Set<string> }[] = [];
    onCleanup('close presence sockets', async () => {
      for (const { socket } of sockets) socket.close();
    });
    for (let i = 0; i < 2 * perInstance; i++) {
      sockets.push({ socket: await connect(bases[i % 2]!), base: i % 2, held: new Set() });
    }
    /** readers per article per instance, as the bench made them */
    const readers = articles.map(() => [0, 0]);
    const index = new Map(articles.map((id, i) => [id, i]));
    const random = seededRandom('presence load', log);
    const toggle = async (): Promise<string> => {
      const client = sockets[random.int(0, sockets.length)]!;
      const articleId = articles[random.int(0, articles.length)]!;
      const i = index.get(articleId)!;
      if (client.held.has(articleId) || client.held.size >= MAX_PER_SOCKET) {
        const leaving = client.held.has(articleId) ? articleId : [...client.held][0]!;
        client.held.delete(leaving);
        readers[index.get(leaving)!]![client.base]!--;
        const ack = await client.socket.timeout(10_000).emitWithAck('unsubscribe', {
          articleId: leaving,
        });
        if (!ack.ok) throw new Error(`unsubscribe refused: ${JSON.stringify(ack)}`);
        return leaving;
      }
      client.held.add(articleId);
      readers[i]![client.base]!++;
      const ack = await client.socket.timeout(10_000).emitWithAck('subscribe', { articleId });
      if (!ack.ok) throw new Error(`subscribe refused: ${JSON.stringify(ack)}`);
      return articleId;
    };
    // a starting population: half the sockets' worth of subscriptions, then a settle
    for (let i = 0; i < sockets.length * 5; i++) await toggle();
    await sleep(3_000);

    // every relay message from here on, by event name
    const subscriber = new Redis(redis.url, { lazyConnect: true });
    onCleanup('close the relay counter', async () => void subscriber.disconnect());
    await subscriber.connect();
    const relayed = new Map<string, number>();
    let countsEntries = 0;
    subscriber.on('message', (_channel: string, raw: string) => {
      // `<origin instance> <json>`: the relay's message starts with who sent it
      const message = JSON.parse(raw.slice(raw.indexOf(' ') + 1)) as Relayed;
      relayed.set(message.name, (relayed.get(message.name) ?? 0) + 1);
      if (message.name === 'presence.counted') {
        // the previous design's message carried one article, this one a list
        countsEntries += Array.isArray(message.event.counts) ? message.event.counts.length : 1;
      }
    });
    await subscriber.subscribe(CHANNEL);

    // the load: `rate` changes a second, paced; per second, the articles whose count changed
    const changedPerSecond: Set<string>[] = [];
    const began = performance.now();
    let changes = 0;
    const total = Math.round(rate * duration);
    while (changes < total) {
      const due = began + (changes / rate) * 1000;
      const now = performance.now();
      if (due > now) await sleep(due - now);
      const second = Math.floor((performance.now() - began) / 1000);
      const articleId = await toggle();
      (changedPerSecond[second] ??= new Set()).add(articleId);
      changes++;
    }
    const seconds = (performance.now() - began) / 1000;
    // publications of the last changes go out within a second
    await sleep(1_500);
    const measuredSeconds = (performance.now() - began) / 1000;
    await subscriber.unsubscribe(CHANNEL);
    subscriber.disconnect();

    const changedArticlesPerSecond = round1(
      changedPerSecond.reduce((sum, set) => sum + (set?.size ?? 0), 0) / seconds,
    );
    const presenceMessages = [...relayed]
      .filter(([name]) => name.startsWith('presence.'))
      .reduce((sum, [, count]) => sum + count, 0);
    const publicationsPerSecond = round1(presenceMessages / measuredSeconds);
    const heldPerInstance = [0, 1].map(
      (base) => readers.filter((perBase) => perBase[base]! > 0).length,
    );
    const previousDesignPerSecond = round1(
      changes / seconds + ((heldPerInstance[0]! + heldPerInstance[1]!) * 1000) / OLD_HEARTBEAT_MS,
    );
    log(
      `${changes} changes in ${round1(seconds)} s: ${changedArticlesPerSecond} articles changed/s; ` +
        `${presenceMessages} presence messages (${JSON.stringify(Object.fromEntries(relayed))}), ` +
        `${publicationsPerSecond}/s, ${countsEntries} article counts in them`,
    );

    // exactness: a probe on the first instance per article ends on the bench's total + itself
    const problems: string[] = [];
    const probes: { socket: TestSocket; told: Map<string, number> }[] = [];
    for (let start = 0; start < articles.length; start += MAX_PER_SOCKET) {
      const socket = await connect(first.base);
      const probe = { socket, told: new Map<string, number>() };
      probes.push(probe);
      socket.on('presence', (event) => probe.told.set(event.articleId, event.readers));
      for (const articleId of articles.slice(start, start + MAX_PER_SOCKET)) {
        const ack = await socket.timeout(10_000).emitWithAck('subscribe', { articleId });
        if (!ack.ok) throw new Error(`probe subscribe refused: ${JSON.stringify(ack)}`);
        if (!probe.told.has(articleId)) probe.told.set(articleId, ack.readers);
      }
    }
    await sleep(3_000);
    const wrong: string[] = [];
    articles.forEach((articleId, i) => {
      const probe = probes[Math.floor(i / MAX_PER_SOCKET)]!;
      const expected = readers[i]![0]! + readers[i]![1]! + 1;
      if (probe.told.get(articleId) !== expected) {
        wrong.push(`${articleId}: told ${probe.told.get(articleId)}, ${expected} reading`);
      }
    });
    probes.forEach(({ socket }) => socket.close());
    if (wrong.length) {
      problems.push(`${wrong.length} article(s) with a wrong reader count, e.g. ${wrong[0]}`);
    }

    const target = ratio(publicationsPerSecond, changedArticlesPerSecond);
    return {
      rows: [
        {
          scenario: 'presence',
          metric: `presence publications/s (Redis messages), ${articleCount} articles`,
          townhall: publicationsPerSecond,
          baseline: changedArticlesPerSecond,
          baselineName: 'articles whose count changed per s',
          ratio: target,
          target: '≤ 1× baseline',
          met: smoke || target === null ? null : target <= 1,
        },
        {
          scenario: 'presence',
          metric: '  previous design for the same load (1/join or leave + heartbeats)',
          townhall: publicationsPerSecond,
          baseline: previousDesignPerSecond,
          baselineName: 'counted from the load',
          ratio: ratio(publicationsPerSecond, previousDesignPerSecond),
          target: '',
          met: null,
        },
        {
          scenario: 'presence',
          metric: 'article counts published/s (inside those messages)',
          townhall: round1(countsEntries / measuredSeconds),
          baseline: changedArticlesPerSecond,
          baselineName: 'articles whose count changed per s',
          ratio: ratio(round1(countsEntries / measuredSeconds), changedArticlesPerSecond),
          target: '',
          met: null,
        },
      ],
      details: {
        load,
        changes,
        seconds: round1(seconds),
        relayed: Object.fromEntries(relayed),
        countsEntries,
        heldPerInstance,
        changedArticlesPerSecond,
        publicationsPerSecond,
        previousDesignPerSecond,
      },
      problems,
    };
  },
};
