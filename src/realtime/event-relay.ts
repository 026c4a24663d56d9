import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import type { CommentChangedEvent } from '../comments/comment.events';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { closeRedis } from '../common/redis/close-redis';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { UserChangedEvent } from '../users/user.events';
import type { TallyChangedEvent } from '../votes/vote.events';

/** What travels between instances. */
export type RelayMessage =
  | { kind: 'comment'; event: CommentChangedEvent }
  | { kind: 'tally'; event: TallyChangedEvent }
  | { kind: 'presence'; articleId: string; instance: string; readers: number }
  | { kind: 'user'; event: UserChangedEvent };

type Listener = (message: RelayMessage) => void;

const CHANNEL = 'townhall:events';

/**
 * Carries domain events to every instance: delivered to this instance's listeners at once
 * and published on Redis for the others (with REDIS_URL; without it, this instance is the
 * only one). Redis being down loses nothing durable: the feeds notice gaps and catch up from
 * PostgreSQL, and `resynced` listeners run when the connection is back.
 */
@Injectable()
export class EventRelay implements OnModuleInit, OnApplicationShutdown {
  readonly instanceId = randomUUID();
  private readonly logger = new Logger(EventRelay.name);
  private readonly listeners = new Set<Listener>();
  private readonly reconnectListeners = new Set<() => void>();
  private readonly stateListeners = new Set<(connected: boolean) => void>();
  private readonly publisher: Redis | null;
  private readonly subscriber: Redis | null;
  private connected = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly bus: DomainEventBus,
  ) {
    const options = { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true };
    this.publisher = config.redisUrl
      ? new Redis(config.redisUrl, { ...options, connectionName: 'townhall-relay-pub' })
      : null;
    this.subscriber = config.redisUrl
      ? new Redis(config.redisUrl, { ...options, connectionName: 'townhall-relay-sub' })
      : null;
  }

  get redisConnected(): boolean {
    return this.subscriber === null || this.connected;
  }

  async onModuleInit(): Promise<void> {
    this.bus.on('comment.changed', (event) => this.send({ kind: 'comment', event }));
    this.bus.on('tally.changed', (event) => this.send({ kind: 'tally', event }));
    this.bus.on('user.changed', (event) => this.send({ kind: 'user', event }));
    if (!this.publisher || !this.subscriber) return;
    this.publisher.on('error', () => undefined);
    this.subscriber.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
    this.subscriber.on('close', () => {
      if (this.connected)
        this.logger.warn('Redis connection lost; live events from other instances paused');
      this.connected = false;
    });
    this.subscriber.on('ready', () => {
      const wasDown = !this.connected;
      this.connected = true;
      // (re)subscribing is idempotent, and needed when Redis was down at start
      this.subscriber?.subscribe(CHANNEL).catch(() => undefined);
      if (wasDown) {
        this.logger.log('Redis connected');
        this.stateListeners.forEach((listener) => listener(true));
        this.reconnectListeners.forEach((listener) => listener());
      }
    });
    this.subscriber.on('message', (_channel: string, raw: string) => this.receive(raw));
    await Promise.all([this.publisher.connect(), this.subscriber.connect()]).catch((error: Error) =>
      this.logger.warn(
        `Redis not reachable at start (${error.message}); retrying in the background`,
      ),
    );
  }

  /**
   * Delivers to this instance and to the others through Redis. Local delivery waits for the
   * next turn of the event loop, so the writer's HTTP answer goes out before the fan-out
   * (setImmediate keeps the order of messages).
   */
  send(message: RelayMessage): void {
    setImmediate(() => this.deliver(message));
    this.publisher
      ?.publish(CHANNEL, JSON.stringify({ origin: this.instanceId, message }))
      .catch(() => undefined);
  }

  onMessage(listener: Listener): void {
    this.listeners.add(listener);
  }

  /** Runs each time the Redis connection comes (back) up. */
  onReconnect(listener: () => void): void {
    this.reconnectListeners.add(listener);
  }

  /** Runs with true/false each time the Redis connection comes up or goes down. */
  onConnectionState(listener: (connected: boolean) => void): void {
    this.stateListeners.add(listener);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([closeRedis(this.publisher), closeRedis(this.subscriber)]);
  }

  private receive(raw: string): void {
    try {
      const { origin, message } = JSON.parse(raw) as { origin: string; message: RelayMessage };
      if (origin !== this.instanceId) this.deliver(message);
    } catch (error) {
      this.logger.warn(`dropped an unreadable relay message: ${(error as Error).message}`);
    }
  }

  private deliver(message: RelayMessage): void {
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch (error) {
        this.logger.error(`relay listener failed: ${(error as Error).stack}`);
      }
    }
  }
}
