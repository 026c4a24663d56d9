import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Server, Socket } from 'socket.io';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { MetricsService } from '../../metrics/metrics.service';
import type { Ack, ClientToServerEvents, ServerToClientEvents } from '../contract';
import { TokenBucket } from './token-bucket';

/** More refused events than this within ABUSE_WINDOW_MS: the socket is closed. */
export const ABUSE_REFUSALS = 100;
export const ABUSE_WINDOW_MS = 10_000;
/** How often the output queued for every connection of this instance is measured. */
export const SLOW_CONSUMER_CHECK_MS = 1_000;

type LimitedSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** The parts of an Engine.IO connection the slow-consumer check reads (not in its typings). */
interface EngineConnection {
  readonly writeBuffer: { data?: unknown }[];
  readonly transport: { readonly socket?: { bufferedAmount?: number; terminate?(): void } };
  close(discard: boolean): void;
}

/**
 * Per-connection limits of API.md that Socket.IO does not have: client events go through a
 * token bucket (refused: `rate_limited`; persistent abuse: closed), and a connection whose
 * reader stops reading is closed before its queued output passes SOCKET_MAX_BUFFERED_BYTES.
 */
@Injectable()
export class SocketLimitsService implements OnApplicationShutdown {
  private readonly logger = new Logger(SocketLimitsService.name);
  private timer: NodeJS.Timeout | null = null;
  /** Bytes queued at the previous check, for the connections that were over a limit. */
  private readonly overLimit = new WeakMap<EngineConnection, number>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** Starts the slow-consumer check over this instance's connections. */
  attach(server: Server): void {
    // engine.io keeps every connection of the instance in one map: no per-socket timer
    const clients = (server.engine as unknown as { clients: Record<string, EngineConnection> })
      .clients;
    this.timer = setInterval(() => {
      for (const connection of Object.values(clients)) this.checkOutput(connection);
    }, SLOW_CONSUMER_CHECK_MS);
    this.timer.unref();
  }

  /** Rate-limits the client events of a new socket (all of them, unknown ones too). */
  limitEvents(socket: LimitedSocket): void {
    if (!this.config.rateLimits) return;
    const { eventRate, eventBurst } = this.config.socketLimits;
    const bucket = new TokenBucket(
      eventRate.limit / eventRate.ttlMs,
      eventBurst,
      performance.now(),
    );
    let refused = 0;
    let windowStart = 0;
    socket.use((event, next) => {
      const now = performance.now();
      if (bucket.take(now)) return next();
      // not calling next(): the event is dropped
      this.metrics.socketEventsRejected.inc();
      const ack: unknown = event[event.length - 1];
      if (typeof ack === 'function') {
        const refusal: Ack<never> = {
          ok: false,
          error: { code: 'rate_limited', message: 'too many events: slow down' },
        };
        (ack as (result: Ack<never>) => void)(refusal);
      }
      if (now - windowStart > ABUSE_WINDOW_MS) {
        windowStart = now;
        refused = 0;
      }
      if (++refused > ABUSE_REFUSALS && socket.connected) {
        this.metrics.socketsDropped.inc({ reason: 'rate_limited' });
        socket.emit('connection.closed', {
          reason: 'rate_limited',
          message: 'too many events over the rate limit: reconnect later and send fewer',
        });
        socket.disconnect(true);
      }
    });
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * Output waits in engine.io's write buffer while the transport is busy, and in the
   * WebSocket's own buffer once the kernel's is full; a reader that stops reading makes both
   * grow. Over a limit and not smaller than at the previous check: closed. (A big answer, such
   * as a long replay, on a slow but reading link shrinks from check to check and is let be.)
   * Sizes are summed only past the limit, so a check of a healthy connection is cheap.
   */
  private checkOutput(connection: EngineConnection): void {
    const { maxBufferedBytes, maxBufferedPackets } = this.config.socketLimits;
    const queue = connection.writeBuffer;
    const ws = connection.transport?.socket;
    let bytes = ws?.bufferedAmount ?? 0;
    let i = 0;
    for (; i < queue.length && bytes <= maxBufferedBytes; i++) bytes += sizeOf(queue[i].data);
    if (bytes <= maxBufferedBytes && queue.length <= maxBufferedPackets) {
      this.overLimit.delete(connection);
      return;
    }
    for (; i < queue.length; i++) bytes += sizeOf(queue[i].data);
    const before = this.overLimit.get(connection);
    this.overLimit.set(connection, bytes);
    if (before === undefined || bytes < before) return;
    this.metrics.socketsDropped.inc({ reason: 'slow_consumer' });
    this.logger.warn(`closing a slow consumer (${queue.length} packets, ${bytes} bytes queued)`);
    // discard what is queued, and free the TCP socket now rather than after a close handshake
    connection.close(true);
    ws?.terminate?.();
  }
}

function sizeOf(data: unknown): number {
  return typeof data === 'string' || Buffer.isBuffer(data) ? data.length : 0;
}
