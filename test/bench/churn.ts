/**
 * Reader churn for the soak (`--churn N`): N clients that connect, subscribe to a random article
 * (half of them with a `since` a few events back), watch a few of its site's ids now and then,
 * stay a moment and disconnect, again and again. What the server keeps per article and per
 * address must come back down when they are gone: `trackedEntries` reads it from /metrics.
 */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/realtime/contract';
import type { SeededRandom } from '../support/seeded-random';
import { HTTP_TIMEOUT_MS, sleep } from './kit';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ChurnCounts {
  cycles: number;
  /** a refused subscribe or one whose ack did not come (rate_limited is not one: it is retried) */
  failures: number;
  refusedForBudget: number;
  failureSamples: string[];
}

export class Churn {
  readonly counts: ChurnCounts = {
    cycles: 0,
    failures: 0,
    refusedForBudget: 0,
    failureSamples: [],
  };
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly base: string,
    private readonly articles: string[],
    private readonly random: SeededRandom,
    private readonly watch: { siteId: string; externalIds: string[] } | null,
  ) {}

  start(clients: number): void {
    this.running = true;
    this.loops = Array.from({ length: clients }, () => this.loop());
  }

  /** Resolves once every churning client has disconnected. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        await this.cycle();
      } catch (error) {
        this.fail((error as Error).message);
        await sleep(500);
      }
      this.counts.cycles++;
    }
  }

  private async cycle(): Promise<void> {
    const socket: ClientSocket = io(this.base, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      const articleId = this.articles[this.random.int(0, this.articles.length)]!;
      const first = await socket.timeout(HTTP_TIMEOUT_MS).emitWithAck('subscribe', { articleId });
      if (!first.ok) return this.fail(`subscribe: ${first.error.code}`);
      if (this.random.next() < 0.5 && first.seq > 0) {
        const since = Math.max(0, first.seq - this.random.int(1, 10));
        const again = await socket
          .timeout(HTTP_TIMEOUT_MS)
          .emitWithAck('subscribe', { articleId, since });
        if (!again.ok && again.error.code === 'rate_limited') {
          this.counts.refusedForBudget++;
          if (this.counts.failureSamples.length < 10) {
            this.counts.failureSamples.push(`(retried) ${again.error.message}`);
          }
        } else if (!again.ok) return this.fail(`resubscribe: ${again.error.code}`);
      }
      if (this.watch && this.random.next() < 0.3) {
        const ack = await socket.timeout(HTTP_TIMEOUT_MS).emitWithAck('watch', this.watch);
        if (!ack.ok) return this.fail(`watch: ${ack.error.code}`);
      }
      await sleep(this.random.int(200, 3_000));
    } finally {
      socket.close();
    }
  }

  private fail(what: string): void {
    this.counts.failures++;
    if (this.counts.failureSamples.length < 10) this.counts.failureSamples.push(what);
  }
}

/** `townhall_realtime_tracked_entries` by map, from /metrics. */
export async function trackedEntries(base: string): Promise<Record<string, number>> {
  const text = await fetch(new URL('/metrics', base), {
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  }).then((response) => response.text());
  const entries: Record<string, number> = {};
  for (const match of text.matchAll(
    /^townhall_realtime_tracked_entries\{map="([^"]+)"\} (\S+)$/gm,
  )) {
    entries[match[1]!] = Number(match[2]);
  }
  return entries;
}

/** The maps that hold more entries than in `before` (after the churn has stopped and settled). */
export function grownMaps(before: Record<string, number>, after: Record<string, number>): string[] {
  return Object.entries(after)
    .filter(([map, size]) => size > (before[map] ?? 0))
    .map(([map, size]) => `${map} ${before[map] ?? 0} → ${size}`);
}
