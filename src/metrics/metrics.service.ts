import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric of `GET /metrics`, on a registry of this app's own (not the global one). */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'townhall_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly socketsConnected = new Gauge({
    name: 'townhall_sockets_connected',
    help: 'Socket.IO connections on this instance',
    registers: [this.registry],
  });

  readonly subscriptions = new Gauge({
    name: 'townhall_subscriptions',
    help: 'Article subscriptions of sockets on this instance',
    registers: [this.registry],
  });

  readonly eventsSent = new Counter({
    name: 'townhall_events_sent_total',
    help: 'Room emits by event type (one emit reaches every socket of the room)',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  readonly socketEventsRejected = new Counter({
    name: 'townhall_socket_events_rejected_total',
    help: 'Client socket events refused with rate_limited',
    registers: [this.registry],
  });

  readonly socketsDropped = new Counter({
    name: 'townhall_sockets_dropped_total',
    help: 'Sockets this instance closed to protect itself, by reason (rate_limited, slow_consumer)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly votes = new Counter({
    name: 'townhall_votes_total',
    help: 'Votes that changed a tally (written by this instance)',
    registers: [this.registry],
  });

  readonly comments = new Counter({
    name: 'townhall_comment_events_total',
    help: 'Comment changes written by this instance, by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  readonly broadcastLag = new Histogram({
    name: 'townhall_write_to_broadcast_seconds',
    help: 'Time from the COMMIT of a write to the room emit of its event',
    labelNames: ['type'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly catchUpReads = new Counter({
    name: 'townhall_event_log_reads_total',
    help: 'Reads of the comment event log to fill gaps or replay',
    registers: [this.registry],
  });

  readonly realtimeQueries = new Counter({
    name: 'townhall_realtime_queries_total',
    help: 'PostgreSQL queries of the live feeds: snapshot (subscribe), replay (since), gap, check',
    labelNames: ['query'] as const,
    registers: [this.registry],
  });

  readonly eventsBatched = new Counter({
    name: 'townhall_events_batched_total',
    help: 'Room emits sent in a tick with other emits: each socket got them in one socket write',
    registers: [this.registry],
  });

  readonly roomsRestarted = new Counter({
    name: 'townhall_rooms_restarted_total',
    help: 'Article rooms whose sockets were told to reconnect and resubscribe (a gap held too many events)',
    registers: [this.registry],
  });

  readonly presencePublications = new Counter({
    name: 'townhall_presence_publications_total',
    help: 'Presence messages this instance published to the others: counts (batched, at most one a second) or alive (liveness)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly presenceCountsPublished = new Counter({
    name: 'townhall_presence_counts_published_total',
    help: "Articles' reader counts this instance published (inside its counts messages)",
    registers: [this.registry],
  });

  readonly relayPublishFailures = new Counter({
    name: 'townhall_relay_publish_failures_total',
    help: 'Domain events this instance could not publish to Redis (other instances catch up from PostgreSQL)',
    registers: [this.registry],
  });

  readonly relayMessages = new Counter({
    name: 'townhall_relay_messages_total',
    help: "Relay messages this instance received from Redis, by channel (article: one article's sharded channel, global) and outcome (parsed, or own: its own echo, dropped unparsed)",
    labelNames: ['channel', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly relayChannelsHeld = new Gauge({
    name: 'townhall_relay_article_channels',
    help: 'Article channels this instance is subscribed to (articles it serves, and those lingering)',
    registers: [this.registry],
  });

  readonly replayBytesInFlight = new Gauge({
    name: 'townhall_replay_bytes_in_flight',
    help: 'Bytes of subscribe acks with missed events not yet written to their connections',
    registers: [this.registry],
  });

  readonly replaysRefused = new Counter({
    name: 'townhall_replays_refused_total',
    help: 'Subscribes with since refused (rate_limited) by the replay budget, by scope (socket, address, instance)',
    labelNames: ['scope'] as const,
    registers: [this.registry],
  });

  readonly replaysReused = new Counter({
    name: 'townhall_replays_reused_total',
    help: "Replays answered from their article's last replay read (no query; see REPLAY_REUSE_MS)",
    registers: [this.registry],
  });

  readonly redisUp = new Gauge({
    name: 'townhall_redis_connected',
    help: '1 when the Redis event relay is connected (or not configured), else 0',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'townhall_' });
  }
}
