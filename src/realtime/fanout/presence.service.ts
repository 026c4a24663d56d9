import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DomainEventBus } from '../../common/events/domain-event-bus';
import { OnDomainEvent } from '../../common/events/on-domain-event.decorator';
import { SocketServer } from '../transport/socket-server';
import { articleRoom } from '../transport/socket-types';
import { EventRelay } from './event-relay';
import type { PresenceCountedEvent } from './presence.events';

/** At most one `presence` event per article per second. */
const PRESENCE_INTERVAL_MS = 1_000;
/** Each instance repeats its counts this often; counts older than STALE_MS are dropped. */
const HEARTBEAT_MS = 5_000;
const STALE_MS = 16_000;

interface Remote {
  readers: number;
  at: number;
}

/**
 * Readers per article across all instances. Each instance counts its own subscribed sockets
 * and shares the count (`presence.counted`); an instance that stops sending (killed) drops out
 * after STALE_MS. Changes go to the room coalesced, at most once a second.
 */
@Injectable()
export class PresenceService implements OnModuleInit, OnApplicationShutdown {
  private readonly local = new Map<string, number>();
  private readonly remote = new Map<string, Map<string, Remote>>();
  private readonly announced = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly lastSent = new Map<string, number>();
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly bus: DomainEventBus,
    private readonly relay: EventRelay,
    private readonly sockets: SocketServer,
  ) {
    relay.onReconnect(() => this.announceAll());
  }

  onModuleInit(): void {
    this.heartbeat = setInterval(() => {
      this.dropStale();
      this.announceAll();
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Entries of each per-article map (for /metrics: they must not grow with churn). */
  trackedSizes(): Record<string, number> {
    let remote = 0;
    for (const byInstance of this.remote.values()) remote += byInstance.size;
    return {
      'presence.local': this.local.size,
      'presence.remote': remote,
      'presence.announced': this.announced.size,
      'presence.timers': this.timers.size,
      'presence.lastSent': this.lastSent.size,
    };
  }

  @OnDomainEvent('presence.counted')
  onCounted(event: PresenceCountedEvent): void {
    if (event.instance === this.relay.instanceId) return;
    const byInstance = this.remote.get(event.articleId) ?? new Map<string, Remote>();
    const local = this.local.get(event.articleId);
    // an instance new to this article: tell it our count now rather than at the next heartbeat
    if (!byInstance.has(event.instance) && local) this.announce(event.articleId, local);
    byInstance.set(event.instance, { readers: event.readers, at: Date.now() });
    this.remote.set(event.articleId, byInstance);
    this.schedule(event.articleId);
  }

  readers(articleId: string): number {
    let total = this.local.get(articleId) ?? 0;
    const now = Date.now();
    for (const entry of this.remote.get(articleId)?.values() ?? []) {
      if (now - entry.at < STALE_MS) total += entry.readers;
    }
    return total;
  }

  joined(articleId: string): void {
    this.changeLocal(articleId, 1);
  }

  left(articleId: string): void {
    this.changeLocal(articleId, -1);
  }

  onApplicationShutdown(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.timers.forEach((timer) => clearTimeout(timer));
    // tell the others this instance's readers are gone: straight to the relay, which closes
    // before the bus's next turn would hand it the events
    for (const articleId of this.local.keys()) {
      this.relay.send('presence.counted', {
        articleId,
        instance: this.relay.instanceId,
        readers: 0,
      });
    }
  }

  private changeLocal(articleId: string, delta: 1 | -1): void {
    const count = (this.local.get(articleId) ?? 0) + delta;
    if (count > 0) this.local.set(articleId, count);
    else this.local.delete(articleId);
    // a new subscriber learned the count from its ack, not from the last event: the next
    // change must go out even if it lands on the count announced before
    if (delta > 0) this.announced.delete(articleId);
    this.announce(articleId, Math.max(count, 0));
    this.schedule(articleId);
  }

  private announce(articleId: string, readers: number): void {
    this.bus.publish('presence.counted', { articleId, instance: this.relay.instanceId, readers });
  }

  private announceAll(): void {
    for (const [articleId, readers] of this.local) this.announce(articleId, readers);
  }

  private dropStale(): void {
    const now = Date.now();
    for (const [articleId, byInstance] of this.remote) {
      for (const [instance, entry] of byInstance) {
        if (now - entry.at >= STALE_MS) {
          byInstance.delete(instance);
          this.schedule(articleId);
        }
      }
      if (byInstance.size === 0) this.remote.delete(articleId);
    }
  }

  /** Emits the new total once the per-article interval allows it. */
  private schedule(articleId: string): void {
    if (this.timers.has(articleId)) return;
    const wait = Math.max(
      0,
      (this.lastSent.get(articleId) ?? 0) + PRESENCE_INTERVAL_MS - Date.now(),
    );
    this.timers.set(
      articleId,
      setTimeout(() => {
        this.timers.delete(articleId);
        const readers = this.readers(articleId);
        if (this.announced.get(articleId) === readers) return;
        // no reader anywhere: nothing is kept for the article
        if (readers === 0) {
          this.announced.delete(articleId);
          this.lastSent.delete(articleId);
        } else {
          this.announced.set(articleId, readers);
          this.lastSent.set(articleId, Date.now());
        }
        this.sockets.emit(articleRoom(articleId), 'presence', { articleId, readers });
      }, wait).unref(),
    );
  }
}
