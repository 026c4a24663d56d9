import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import {
  DomainEventBus,
  type DomainEventName,
  type EventTransport,
} from '../../common/events/domain-event-bus';
import { closeRedis } from '../../common/redis/close-redis';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { MetricsService } from '../../metrics/metrics.service';

const CHANNEL = 'townhall:events';

/** What travels between instances: a domain event, and who published it. */
interface RelayMessage {
  origin: string;
  name: DomainEventName;
  event: unknown;
}

/**
 * The domain event bus's transport between instances: every event published here goes to the
 * other instances over one Redis channel (with REDIS_URL; without it, this instance is the only
 * one), and theirs come back into this instance's bus. Redis being down loses nothing durable:
 * the feeds notice gaps and catch up from PostgreSQL, and `onReconnect` listeners run when the
 * connection is back.
 */
@Injectable()
export class EventRelay implements EventTransport, OnModuleInit, OnApplicationShutdown {
  readonly instanceId = randomUUID();
  private readonly logger = new Logger(EventRelay.name);
  private readonly reconnectListeners = new Set<() => void>();
  private readonly publisher: Redis | null;
  private readonly subscriber: Redis | null;
  private connected = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly bus: DomainEventBus,
    private readonly metrics: MetricsService,
  ) {
    const options = { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true };
    this.publisher = config.redisUrl
      ? new Redis(config.redisUrl, { ...options, connectionName: 'townhall-relay-pub' })
      : null;
    this.subscriber = config.redisUrl
      ? new Redis(config.redisUrl, { ...options, connectionName: 'townhall-relay-sub' })
      : null;
    this.metrics.redisUp.set(this.subscriber ? 0 : 1);
  }

  async onModuleInit(): Promise<void> {
    if (!this.publisher || !this.subscriber) return;
    this.bus.useTransport(this);
    this.publisher.on('error', () => undefined);
    this.subscriber.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
    this.subscriber.on('close', () => {
      if (this.connected)
        this.logger.warn('Redis connection lost; live events from other instances paused');
      this.connected = false;
      this.metrics.redisUp.set(0);
    });
    this.subscriber.on('ready', () => {
      const wasDown = !this.connected;
      this.connected = true;
      this.metrics.redisUp.set(1);
      // (re)subscribing is idempotent, and needed when Redis was down at start
      this.subscriber?.subscribe(CHANNEL).catch(() => undefined);
      if (wasDown) {
        this.logger.log('Redis connected');
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

  /** For the bus: an event published on this instance, for the others. */
  send(name: DomainEventName, event: unknown): void {
    const message: RelayMessage = { origin: this.instanceId, name, event };
    // no offline queue (enableOfflineQueue: false): while Redis is down a publish fails at
    // once, is counted, and the other instances catch up from PostgreSQL
    this.publisher
      ?.publish(CHANNEL, JSON.stringify(message))
      .catch(() => this.metrics.relayPublishFailures.inc());
  }

  /** Runs each time the Redis connection comes (back) up. */
  onReconnect(listener: () => void): void {
    this.reconnectListeners.add(listener);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([closeRedis(this.publisher), closeRedis(this.subscriber)]);
  }

  private receive(raw: string): void {
    let message: RelayMessage;
    try {
      message = JSON.parse(raw) as RelayMessage;
    } catch (error) {
      this.logger.warn(`dropped an unreadable relay message: ${(error as Error).message}`);
      return;
    }
    if (message.origin !== this.instanceId) this.bus.deliver(message.name, message.event);
  }
}
