import { performance } from 'node:perf_hooks';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { MetricsService } from '../../metrics/metrics.service';
import { ReplayPacer } from './replay-pacer';
import type { TownhallSocket } from './socket-types';
import { TokenBucket } from './token-bucket';

/** A replay still counted after this long is let go: the budget never leaks. */
export const REPLAY_HOLD_MAX_MS = 30_000;
/** Replay bytes a rate allows at once: this many seconds of it. */
const RATE_BURST_SECONDS = 1;
/** How often addresses whose rate is unused are forgotten. */
const SWEEP_MS = 10_000;

/**
 * An admitted replay. Once its size is known it is `charge`d to the byte rates (which may
 * still refuse it), then `hold` counts it in flight until written; or it is `cancel`led.
 */
export interface ReplayTicket {
  /**
   * Draws `bytes` from the byte rates; the rate that is spent instead, and then the replay must
   * not be sent. Replays admitted together (one shared read answers them all) are thus refused
   * here once the first of them have taken the rate, instead of all going out at once.
   */
  charge(bytes: number): ReplayScope | null;
  /** Counts the replay in flight until the connection has written it. Once. */
  hold(bytes: number): void;
  cancel(): void;
}

export type ReplayScope =
  'socket' | 'address' | 'instance' | 'address rate' | 'instance rate' | 'queue';

/** The parts of an Engine.IO connection that tell when its output has been written. */
interface EngineConnection {
  readyState: string;
  readonly writeBuffer: unknown[];
  readonly transport: {
    writable: boolean;
    on(event: 'ready', listener: () => void): void;
    off(event: 'ready', listener: () => void): void;
  };
}

/**
 * Bounds replays (subscribe acks carrying `missed` events), the one answer whose size a client
 * chooses. Bytes in flight (not yet written to the connection) are bounded per socket, per
 * client address and per instance (SOCKET_REPLAY_BYTES…), and, when the operator sets them,
 * bytes per second per address and per instance (SOCKET_REPLAY_RATE…, off by default). A replay
 * starts only while every budget has room, else the subscribe gets `rate_limited` before
 * anything is read; its size is charged once known. Admitted replays are then sent a few at a
 * time per turn of the event loop (ReplayPacer), so that a shared read answering a hundred of
 * them does not block the loop while their acks are written.
 * A hundred sockets asking for a thousand events each, ten times a second, thus get a bounded
 * share of the instance and other readers keep their latency; the page retries refused
 * subscribes with backoff and jitter, which spreads a resubscribe storm after a deploy.
 */
@Injectable()
export class ReplayBudget implements OnModuleDestroy {
  private inFlight = 0;
  private readonly byAddress = new Map<string, number>();
  private readonly bySocket = new WeakMap<TownhallSocket, number>();
  private readonly rateOfAddress = new Map<string, TokenBucket>();
  private readonly instanceRate: TokenBucket | null;
  private readonly sweeper: NodeJS.Timeout;
  private readonly pacer = new ReplayPacer();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    const { ratePerInstance } = config.replayBudget;
    this.instanceRate = ratePerInstance > 0 ? this.bucket(ratePerInstance) : null;
    this.sweeper = setInterval(() => {
      const now = performance.now();
      for (const [address, rate] of this.rateOfAddress) {
        if (rate.isFull(now)) this.rateOfAddress.delete(address);
      }
    }, SWEEP_MS);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  trackedSizes(): Record<string, number> {
    return {
      'replay.addresses': this.byAddress.size,
      'replay.rates': this.rateOfAddress.size,
      'replay.waiting': this.pacer.size,
    };
  }

  /** Replay bytes of this instance not yet written to their connections. */
  get bytesInFlight(): number {
    return this.inFlight;
  }

  /**
   * A ticket when a replay for `socket` may start now (ended by its `hold` or `cancel`), else
   * the budget that is spent.
   */
  start(socket: TownhallSocket): ReplayTicket | ReplayScope {
    const address = socket.data.address;
    const scope = this.spent(socket, address);
    if (scope) {
      this.metrics.replaysRefused.inc({ scope });
      return scope;
    }
    let done = false;
    return {
      charge: (bytes) => {
        const rate = this.rateSpent(address, performance.now());
        if (rate) {
          this.metrics.replaysRefused.inc({ scope: rate });
          done = true;
          return rate;
        }
        this.charge(address, bytes);
        return null;
      },
      hold: (bytes) => {
        if (done) return;
        done = true;
        this.hold(socket, address, bytes);
      },
      cancel: () => {
        done = true;
      },
    };
  }

  /**
   * Resolves true when the replay of `bytes` for `socket` may be sent: in a later turn of the
   * event loop, taking turns with other addresses' replays; false (counted as refused, scope
   * `queue`) when too many replays already wait.
   */
  async paced(socket: TownhallSocket, bytes: number): Promise<boolean> {
    if (bytes <= 0) return true;
    const admitted = await this.pacer.turn(socket.data.address, bytes);
    if (!admitted) this.metrics.replaysRefused.inc({ scope: 'queue' });
    return admitted;
  }

  private spent(socket: TownhallSocket, address: string): ReplayScope | null {
    const { perSocket, perAddress, perInstance } = this.config.replayBudget;
    const now = performance.now();
    if ((this.bySocket.get(socket) ?? 0) >= perSocket) return 'socket';
    if ((this.byAddress.get(address) ?? 0) >= perAddress) return 'address';
    if (this.inFlight >= perInstance) return 'instance';
    return this.rateSpent(address, now);
  }

  private rateSpent(address: string, now: number): ReplayScope | null {
    if (this.rateOfAddress.get(address)?.hasAny(now) === false) return 'address rate';
    if (this.instanceRate?.hasAny(now) === false) return 'instance rate';
    return null;
  }

  /** Takes `bytes` from the address's and the instance's byte rates (when set). */
  private charge(address: string, bytes: number): void {
    if (bytes <= 0) return;
    const now = performance.now();
    const { ratePerAddress } = this.config.replayBudget;
    let rate = this.rateOfAddress.get(address);
    if (!rate && ratePerAddress > 0) {
      rate = this.bucket(ratePerAddress);
      this.rateOfAddress.set(address, rate);
    }
    rate?.spend(bytes, now);
    this.instanceRate?.spend(bytes, now);
  }

  /**
   * Counts `bytes` (the replay about to be acked) in flight against the socket, its address and
   * the instance until the connection has written everything queued after the ack.
   */
  private hold(socket: TownhallSocket, address: string, bytes: number): void {
    if (bytes <= 0) return;
    this.add(socket, address, bytes);
    let released = false;
    const connection = socket.conn as unknown as EngineConnection;
    const transport = connection.transport;
    const release = (): void => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      transport.off('ready', check);
      socket.off('disconnect', release);
      this.add(socket, address, -bytes);
    };
    // 'ready': a send finished; when nothing more waits, our ack is written too
    const check = (): void => {
      if (connection.readyState === 'closed') release();
      else if (transport.writable && connection.writeBuffer.length === 0) release();
    };
    const timer = setTimeout(release, REPLAY_HOLD_MAX_MS);
    timer.unref();
    socket.once('disconnect', release);
    // the ack is queued once the handler's promise has settled: look after that
    setImmediate(() => {
      if (released) return;
      transport.on('ready', check);
      check();
    });
  }

  private bucket(bytesPerSecond: number): TokenBucket {
    return new TokenBucket(
      bytesPerSecond / 1000,
      bytesPerSecond * RATE_BURST_SECONDS,
      performance.now(),
    );
  }

  private add(socket: TownhallSocket, address: string, bytes: number): void {
    this.inFlight += bytes;
    this.bySocket.set(socket, (this.bySocket.get(socket) ?? 0) + bytes);
    const left = (this.byAddress.get(address) ?? 0) + bytes;
    if (left > 0) this.byAddress.set(address, left);
    else this.byAddress.delete(address);
    this.metrics.replayBytesInFlight.set(this.inFlight);
  }
}
