import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Server } from 'socket.io';
import { articleRoom } from './article-feed.service';
import type { ClientToServerEvents, ServerToClientEvents } from './contract';
import { EventRelay } from './event-relay';

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
 * and shares the count through the relay; an instance that stops sending (killed) drops out
 * after STALE_MS. Changes go to the room coalesced, at most once a second.
 */
@Injectable()
export class PresenceService implements OnApplicationShutdown {
  private readonly local = new Map<string, number>();
  private readonly remote = new Map<string, Map<string, Remote>>();
  private readonly announced = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly lastSent = new Map<string, number>();
  private server: Server<ClientToServerEvents, ServerToClientEvents> | null = null;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(private readonly relay: EventRelay) {
    relay.onMessage((message) => {
      if (message.kind !== 'presence' || message.instance === relay.instanceId) return;
      const byInstance = this.remote.get(message.articleId) ?? new Map<string, Remote>();
      const local = this.local.get(message.articleId);
      if (!byInstance.has(message.instance) && local) {
        // an instance new to this article: tell it our count now rather than at the next heartbeat
        relay.send({
          kind: 'presence',
          articleId: message.articleId,
          instance: relay.instanceId,
          readers: local,
        });
      }
      byInstance.set(message.instance, { readers: message.readers, at: Date.now() });
      this.remote.set(message.articleId, byInstance);
      this.schedule(message.articleId);
    });
    relay.onReconnect(() => this.announceAll());
  }

  attach(server: Server<ClientToServerEvents, ServerToClientEvents>): void {
    this.server = server;
    this.heartbeat = setInterval(() => {
      this.dropStale();
      this.announceAll();
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
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
    // tell the others this instance's readers are gone
    for (const articleId of this.local.keys()) {
      this.relay.send({ kind: 'presence', articleId, instance: this.relay.instanceId, readers: 0 });
    }
  }

  private changeLocal(articleId: string, delta: 1 | -1): void {
    const count = (this.local.get(articleId) ?? 0) + delta;
    if (count > 0) this.local.set(articleId, count);
    else this.local.delete(articleId);
    // a new subscriber learned the count from its ack, not from the last event: the next
    // change must go out even if it lands on the count announced before
    if (delta > 0) this.announced.delete(articleId);
    this.relay.send({
      kind: 'presence',
      articleId,
      instance: this.relay.instanceId,
      readers: Math.max(count, 0),
    });
    this.schedule(articleId);
  }

  private announceAll(): void {
    for (const [articleId, readers] of this.local) {
      this.relay.send({ kind: 'presence', articleId, instance: this.relay.instanceId, readers });
    }
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
        this.announced.set(articleId, readers);
        this.lastSent.set(articleId, Date.now());
        if (readers === 0) this.announced.delete(articleId);
        this.server?.local.to(articleRoom(articleId)).emit('presence', { articleId, readers });
      }, wait).unref(),
    );
  }
}
