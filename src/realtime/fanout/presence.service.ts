import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DomainEventBus } from '../../common/events/domain-event-bus';
import { OnDomainEvent } from '../../common/events/on-domain-event.decorator';
import { MetricsService } from '../../metrics/metrics.service';
import { SocketServer } from '../transport/socket-server';
import { articleRoom } from '../transport/socket-types';
import { EventRelay } from './event-relay';
import type {
  PresenceAliveEvent,
  PresenceCount,
  PresenceCountedEvent,
  PresenceGoneEvent,
} from './presence.events';
import { RemoteCounts } from './remote-counts';

/** At most one `presence` event per article per second. */
const PRESENCE_INTERVAL_MS = 1_000;
/** This instance publishes its changed counts at most this often, all in one message. */
export const PUBLISH_INTERVAL_MS = 1_000;
/** Most counts in one message (a larger change goes out as several). */
const MAX_COUNTS_PER_MESSAGE = 1_000;
/** Each instance whose counts others hold says it is alive this often: one message, */
export const LIVENESS_INTERVAL_MS = 2_000;
/** and one not heard from for this long is gone, with its readers. */
export const LIVENESS_TIMEOUT_MS = 7_000;
/** Other instances' counts of an article stay this long after its last local reader left. */
const LINGER_MS = 10_000;

/** Why an article goes into the next publication; a higher mark wins. */
const CHANGED = 1;
/** Another instance said hello for it: our count goes out even if unchanged. */
const ANSWER = 2;
/** We just began tracking it: ask the others for their counts. */
const HELLO = 3;

/**
 * Readers per article across all instances. Each instance counts its own subscribed sockets;
 * the counts that changed go to the other instances together, at most once a second
 * (`presence.counted`), so a burst of joins and leaves costs one message. Each instance keeps
 * the others' counts only for articles it has readers of (and a short linger after): a first
 * reader sends a `hello`, which those with readers of the article answer in their next
 * publication (one message each, however many articles: no reply storm when an instance
 * appears). Liveness is one `presence.alive` per instance every LIVENESS_INTERVAL_MS; an
 * instance silent for LIVENESS_TIMEOUT_MS (killed) drops out of every count, one that shuts
 * down says so (`presence.gone`). Totals go to the room coalesced, at most once a second.
 */
@Injectable()
export class PresenceService implements OnModuleInit, OnApplicationShutdown {
  private readonly local = new Map<string, number>();
  private readonly remote = new RemoteCounts();
  /** articles to publish next, with their mark */
  private readonly dirty = new Map<string, number>();
  /** the count this instance last published per article (absent: 0) */
  private readonly published = new Map<string, number>();
  /** articles without local readers, since when (their remote counts linger) */
  private readonly released = new Map<string, number>();
  private readonly announced = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly lastSent = new Map<string, number>();
  private publishTimer: NodeJS.Timeout | null = null;
  private lastPublishedAt = 0;
  private liveness: NodeJS.Timeout | null = null;

  constructor(
    private readonly bus: DomainEventBus,
    private readonly relay: EventRelay,
    private readonly sockets: SocketServer,
    private readonly metrics: MetricsService,
  ) {
    // the others may have dropped this instance, and its view of theirs is stale: start over
    relay.onReconnect(() => {
      for (const articleId of this.local.keys()) this.mark(articleId, HELLO);
    });
  }

  onModuleInit(): void {
    this.liveness = setInterval(() => this.tick(), LIVENESS_INTERVAL_MS);
    this.liveness.unref();
  }

  /** Entries of each per-article map (for /metrics: they must not grow with churn). */
  trackedSizes(): Record<string, number> {
    return {
      'presence.local': this.local.size,
      ...this.remote.sizes(),
      'presence.dirty': this.dirty.size,
      'presence.published': this.published.size,
      'presence.released': this.released.size,
      'presence.announced': this.announced.size,
      'presence.timers': this.timers.size,
      'presence.lastSent': this.lastSent.size,
    };
  }

  @OnDomainEvent('presence.counted')
  onCounted(event: PresenceCountedEvent): void {
    if (event.instance === this.relay.instanceId) return;
    this.remote.seen(event.instance);
    for (const { articleId, readers, hello } of event.counts) {
      if (hello && this.local.has(articleId)) this.mark(articleId, ANSWER);
      if (this.remote.set(articleId, event.instance, readers)) this.schedule(articleId);
    }
  }

  @OnDomainEvent('presence.alive')
  onAlive(event: PresenceAliveEvent): void {
    if (event.instance !== this.relay.instanceId) this.remote.seen(event.instance);
  }

  @OnDomainEvent('presence.gone')
  onGone(event: PresenceGoneEvent): void {
    if (event.instance === this.relay.instanceId) return;
    for (const articleId of this.remote.drop(event.instance)) this.schedule(articleId);
  }

  readers(articleId: string): number {
    return (this.local.get(articleId) ?? 0) + this.remote.readers(articleId);
  }

  joined(articleId: string): void {
    this.changeLocal(articleId, 1);
  }

  left(articleId: string): void {
    this.changeLocal(articleId, -1);
  }

  onApplicationShutdown(): void {
    if (this.liveness) clearInterval(this.liveness);
    if (this.publishTimer) clearTimeout(this.publishTimer);
    this.timers.forEach((timer) => clearTimeout(timer));
    // tell the others this instance's readers are gone: straight to the relay, which closes
    // before the bus's next turn would hand it the event
    if (this.published.size) this.relay.send('presence.gone', { instance: this.relay.instanceId });
  }

  private changeLocal(articleId: string, delta: 1 | -1): void {
    const count = Math.max(0, (this.local.get(articleId) ?? 0) + delta);
    if (count > 0) {
      this.local.set(articleId, count);
      this.released.delete(articleId);
    } else {
      // the room is empty: nobody to tell, nothing to remember for it
      this.local.delete(articleId);
      this.released.set(articleId, Date.now());
      this.announced.delete(articleId);
      this.lastSent.delete(articleId);
    }
    // a new subscriber learned the count from its ack, not from the last event: the next
    // change must go out even if it lands on the count announced before
    if (delta > 0) this.announced.delete(articleId);
    if (count > 0 && !this.remote.tracks(articleId)) {
      this.remote.track(articleId);
      this.mark(articleId, HELLO);
    } else {
      this.mark(articleId, CHANGED);
    }
    this.schedule(articleId);
  }

  /** Puts the article into the next publication, which goes out once the interval allows. */
  private mark(articleId: string, why: number): void {
    this.dirty.set(articleId, Math.max(why, this.dirty.get(articleId) ?? 0));
    if (this.publishTimer) return;
    const wait = Math.max(0, this.lastPublishedAt + PUBLISH_INTERVAL_MS - Date.now());
    this.publishTimer = setTimeout(() => {
      this.publishTimer = null;
      this.publish();
    }, wait);
    this.publishTimer.unref();
  }

  private publish(): void {
    const counts: PresenceCount[] = [];
    for (const [articleId, why] of this.dirty) {
      const readers = this.local.get(articleId) ?? 0;
      // back where it was last published (a join and a leave within the interval): nothing new
      if (why === CHANGED && readers === (this.published.get(articleId) ?? 0)) continue;
      if (readers === 0 && !this.published.has(articleId)) continue;
      counts.push(
        why === HELLO && readers > 0 ? { articleId, readers, hello: true } : { articleId, readers },
      );
      if (readers > 0) this.published.set(articleId, readers);
      else this.published.delete(articleId);
    }
    this.dirty.clear();
    if (counts.length === 0) return;
    this.lastPublishedAt = Date.now();
    for (let start = 0; start < counts.length; start += MAX_COUNTS_PER_MESSAGE) {
      const part = counts.slice(start, start + MAX_COUNTS_PER_MESSAGE);
      this.bus.publish('presence.counted', { instance: this.relay.instanceId, counts: part });
      this.metrics.presencePublications.inc({ kind: 'counts' });
    }
    this.metrics.presenceCountsPublished.inc(counts.length);
  }

  /** Liveness out, silent instances and lingering articles dropped. */
  private tick(): void {
    const now = Date.now();
    // nobody holds a count of an instance that published none: it need not say it is alive
    if (this.published.size) {
      this.bus.publish('presence.alive', { instance: this.relay.instanceId });
      this.metrics.presencePublications.inc({ kind: 'alive' });
    }
    for (const instance of this.remote.silentSince(now - LIVENESS_TIMEOUT_MS)) {
      for (const articleId of this.remote.drop(instance)) this.schedule(articleId);
    }
    for (const [articleId, since] of this.released) {
      if (now - since < LINGER_MS) continue;
      this.released.delete(articleId);
      this.remote.untrack(articleId);
    }
  }

  /** Emits the new total to the room (of local readers) once the per-article interval allows. */
  private schedule(articleId: string): void {
    if (this.timers.has(articleId) || !this.local.has(articleId)) return;
    const wait = Math.max(
      0,
      (this.lastSent.get(articleId) ?? 0) + PRESENCE_INTERVAL_MS - Date.now(),
    );
    this.timers.set(
      articleId,
      setTimeout(() => {
        this.timers.delete(articleId);
        // the last local reader left meanwhile: nobody to tell
        if (!this.local.has(articleId)) return;
        const readers = this.readers(articleId);
        if (this.announced.get(articleId) === readers) return;
        this.announced.set(articleId, readers);
        this.lastSent.set(articleId, Date.now());
        this.sockets.emit(articleRoom(articleId), 'presence', { articleId, readers });
      }, wait).unref(),
    );
  }
}
