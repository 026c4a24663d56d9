import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import {
  DomainEventBus,
  type DomainEventName,
  type EventTransport,
} from '../../common/events/domain-event-bus';
import { closeRedis } from '../../common/redis/close-redis';
import { Cluster } from 'ioredis';
import { createRedisClient, type RedisClient } from '../../common/redis/redis-client';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { MetricsService } from '../../metrics/metrics.service';
import { ArticleChannels, articleChannel } from './article-channels';

/** Events without an article (users, sites, notifications, moderators, presence). */
const GLOBAL_CHANNEL = 'townhall:events';
/** Events of one article, which only the instances serving it need. */
const ARTICLE_EVENTS: ReadonlySet<DomainEventName> = new Set<DomainEventName>([
  'comment.changed',
  'tally.changed',
  'comment.score.changed',
]);

/** What travels between instances after the origin and a space: a domain event. */
interface RelayMessage {
  name: DomainEventName;
  event: unknown;
}

/**
 * The domain event bus's transport between instances (with REDIS_URL; without it, this
 * instance is the only one). Comment, tally and score events go to their article's sharded
 * channel (SPUBLISH), which an instance subscribes (SSUBSCRIBE) while it serves the article
 * (`follow`, see ArticleChannels), so it parses only the events of the articles it serves;
 * on a Redis Cluster each channel lives on its slot's shard. Every other event goes to one
 * global channel. REDIS_CHANNELS=global puts everything on the global channel. A message
 * starts with its origin, so an instance drops its own echoes without parsing them. Redis
 * being down loses nothing durable: the feeds notice gaps and catch up from PostgreSQL, and
 * `onReconnect` listeners run when the connection is back.
 */
@Injectable()
export class EventRelay implements EventTransport, OnModuleInit, OnApplicationShutdown {
  readonly instanceId = randomUUID();
  private readonly logger = new Logger(EventRelay.name);
  private readonly reconnectListeners = new Set<() => void>();
  private readonly publisher: RedisClient | null;
  private subscriber: RedisClient | null;
  /** Subscriber clients that lost their connection at least once. */
  private readonly reconnecting = new WeakSet<RedisClient>();
  private readonly perArticle: boolean;
  private readonly channels: ArticleChannels;
  private readonly prefix = `${this.instanceId} `;
  private connected = false;
  private readonly newSubscriber: () => RedisClient | null;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly bus: DomainEventBus,
    private readonly metrics: MetricsService,
  ) {
    this.publisher = createRedisClient(config, {
      connectionName: 'townhall-relay-pub',
      lazyConnect: true,
    });
    this.newSubscriber = () =>
      createRedisClient(config, {
        connectionName: 'townhall-relay-sub',
        lazyConnect: true,
        shardedSubscribers: true,
      });
    this.subscriber = this.newSubscriber();
    this.perArticle = config.relayChannels === 'article';
    this.channels = new ArticleChannels({
      subscribe: async (channel) => {
        await this.subscriber?.ssubscribe(channel);
        this.metrics.relayChannelsHeld.set(this.channels.size);
      },
      unsubscribe: async (channel) => {
        this.metrics.relayChannelsHeld.set(this.channels.size);
        await this.subscriber?.sunsubscribe(channel);
      },
    });
    this.metrics.redisUp.set(this.subscriber ? 0 : 1);
  }

  async onModuleInit(): Promise<void> {
    const { publisher, subscriber } = this;
    if (!publisher || !subscriber) return;
    this.bus.useTransport(this);
    publisher.on('error', () => undefined);
    this.listen(subscriber);
    await Promise.all([publisher.connect(), subscriber.connect()]).catch((error: Error) =>
      this.logger.warn(
        `Redis not reachable at start (${error.message}); retrying in the background`,
      ),
    );
  }

  /** The subscriber's events; those of a client replaced since (see `up`) are ignored. */
  private listen(client: RedisClient): void {
    const current = () => client === this.subscriber;
    client.on('error', (error: Error) => {
      if (current()) this.logger.warn(`Redis: ${error.message}`);
    });
    client.on('close', () => {
      if (!current()) return;
      this.reconnecting.add(client);
      this.down();
    });
    client.on('ready', () => {
      if (current()) this.up(client);
    });
    // a cluster's shard subscribers came back (a shard restarted while the cluster stayed up)
    client.on('subscribersReady', () => {
      if (!current()) return;
      this.channels.resubscribe();
      if (this.connected) this.reconnectListeners.forEach((listener) => listener());
    });
    client.on('message', (_channel: string, raw: string) => {
      if (current()) this.receive('global', raw);
    });
    client.on('smessage', (_channel: string, raw: string) => {
      if (current()) this.receive('article', raw);
    });
  }

  /** For the bus: an event published on this instance, for the others. */
  send(name: DomainEventName, event: unknown): void {
    const raw = this.prefix + JSON.stringify({ name, event } satisfies RelayMessage);
    const articleId = this.perArticle && ARTICLE_EVENTS.has(name) ? articleOf(event) : null;
    // no offline queue: while Redis is down a publish fails at once, is counted, and the
    // other instances catch up from PostgreSQL
    const sent = articleId
      ? this.publisher?.spublish(articleChannel(articleId), raw)
      : this.publisher?.publish(GLOBAL_CHANNEL, raw);
    sent?.catch(() => this.metrics.relayPublishFailures.inc());
  }

  /** For the bus: this instance needs the article's events (see ArticleChannels). */
  follow(articleId: string): Promise<void> {
    if (!this.perArticle) return Promise.resolve();
    return this.channels.follow(articleId);
  }

  unfollow(articleId: string): void {
    if (this.perArticle) this.channels.unfollow(articleId);
  }

  flowing(): (articleId: string) => boolean {
    return this.perArticle ? this.channels.flowingNow() : () => true;
  }

  /** Runs each time the Redis connection comes (back) up. */
  onReconnect(listener: () => void): void {
    this.reconnectListeners.add(listener);
  }

  async onApplicationShutdown(): Promise<void> {
    this.channels.close();
    await Promise.all([closeRedis(this.publisher), closeRedis(this.subscriber)]);
  }

  private up(client: RedisClient): void {
    if (client instanceof Cluster && this.reconnecting.has(client)) {
      // a cluster client back after losing every node does not restart its shard subscribers
      // (ioredis 5.9.2): a new client takes over, and every held channel is subscribed on it
      const next = this.newSubscriber()!;
      this.subscriber = next;
      this.listen(next);
      void closeRedis(client);
      next.connect().catch(() => undefined);
      return;
    }
    const wasDown = !this.connected;
    this.connected = true;
    this.metrics.redisUp.set(1);
    // (re)subscribing is idempotent, and needed when Redis was down at start
    client.subscribe(GLOBAL_CHANNEL).catch(() => undefined);
    if (client instanceof Cluster && wasDown) this.channels.resubscribeAll();
    else this.channels.resubscribe();
    if (wasDown) {
      this.logger.log('Redis connected');
      this.reconnectListeners.forEach((listener) => listener());
    }
  }

  private down(): void {
    if (this.connected)
      this.logger.warn('Redis connection lost; live events from other instances paused');
    this.connected = false;
    this.metrics.redisUp.set(0);
  }

  private receive(channel: 'article' | 'global', raw: string): void {
    if (raw.startsWith(this.prefix)) {
      this.metrics.relayMessages.inc({ channel, outcome: 'own' });
      return;
    }
    this.metrics.relayMessages.inc({ channel, outcome: 'parsed' });
    let message: RelayMessage;
    try {
      message = JSON.parse(raw.slice(raw.indexOf(' ') + 1)) as RelayMessage;
    } catch (error) {
      this.logger.warn(`dropped an unreadable relay message: ${(error as Error).message}`);
      return;
    }
    this.bus.deliver(message.name, message.event);
  }
}

/** The article of an article event, if it names one. */
function articleOf(event: unknown): string | null {
  const articleId = (event as { articleId?: unknown } | null)?.articleId;
  return typeof articleId === 'string' ? articleId : null;
}
