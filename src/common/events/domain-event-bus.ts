import { Injectable, Logger } from '@nestjs/common';

/**
 * The domain events of Townhall, by name. Each feature adds its own events to this map by
 * declaration merging (`declare module`), so the bus stays typed without importing features.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DomainEvents {}

export type DomainEventName = keyof DomainEvents;
export type DomainEventHandler<K extends DomainEventName> = (
  event: DomainEvents[K],
) => void | Promise<void>;

/**
 * `cluster` (the default): the handler runs on every instance for every event, wherever it was
 * published (socket emits, caches). `instance`: only for events published by this instance
 * (counters of this instance's own writes).
 */
export type HandlerScope = 'cluster' | 'instance';

/** Carries published events to the other instances; they come back through `deliver`. */
export interface EventTransport {
  send(name: DomainEventName, event: unknown): void;
  /**
   * A transport that carries each article's events only to the instances following it: one
   * more local interest in the article, resolved once its events flow here.
   */
  follow?(articleId: string): Promise<void>;
  unfollow?(articleId: string): void;
  /** Which articles' events flow here as of this call (see DomainEventBus.flowing). */
  flowing?(): (articleId: string) => boolean;
}

interface Registration {
  handler: DomainEventHandler<DomainEventName>;
  scope: HandlerScope;
}

/**
 * The one path of domain events: a service publishes after its transaction committed; the
 * transport (the relay between instances, when there are several) carries the event to every
 * other instance; on each instance every handler of that name runs. Delivery waits for the
 * next turn of the event loop, so the writer's HTTP answer goes out before the fan-out
 * (setImmediate keeps the order of events). A failing handler is logged and never affects the
 * write that published the event, nor the other handlers.
 */
@Injectable()
export class DomainEventBus {
  private readonly logger = new Logger(DomainEventBus.name);
  private readonly handlers = new Map<DomainEventName, Set<Registration>>();
  private transport: EventTransport | null = null;

  publish<K extends DomainEventName>(name: K, event: DomainEvents[K]): void {
    setImmediate(() => {
      this.run(name, event, true);
      this.transport?.send(name, event);
    });
  }

  /** An event another instance published: runs this instance's `cluster` handlers. */
  deliver(name: DomainEventName, event: unknown): void {
    this.run(name, event as DomainEvents[DomainEventName], false);
  }

  /** Returns the function that removes this handler. */
  on<K extends DomainEventName>(
    name: K,
    handler: DomainEventHandler<K>,
    scope: HandlerScope = 'cluster',
  ): () => void {
    const set = this.handlers.get(name) ?? new Set();
    const registration = { handler: handler as DomainEventHandler<DomainEventName>, scope };
    set.add(registration);
    this.handlers.set(name, set);
    return () => set.delete(registration);
  }

  /**
   * This instance needs the events of `articleId` (comment, tally and score events) from every
   * instance, until `unfollow`: resolves once they flow, so a read of the article's state made
   * after it misses none. In process, or on a transport without per-article channels, every
   * event always flows.
   */
  follow(articleId: string): Promise<void> {
    return this.transport?.follow?.(articleId) ?? Promise.resolve();
  }

  unfollow(articleId: string): void {
    this.transport?.unfollow?.(articleId);
  }

  /**
   * A test of which articles' events reach this instance as of this call: a read made after
   * it, of articles that pass, misses none of their later events (in process: every article).
   */
  flowing(): (articleId: string) => boolean {
    return this.transport?.flowing?.() ?? (() => true);
  }

  useTransport(transport: EventTransport): void {
    this.transport = transport;
  }

  private run(name: DomainEventName, event: DomainEvents[DomainEventName], local: boolean): void {
    for (const { handler, scope } of this.handlers.get(name) ?? []) {
      if (!local && scope === 'instance') continue;
      try {
        const result = handler(event);
        if (result instanceof Promise) result.catch((error: unknown) => this.report(name, error));
      } catch (error) {
        this.report(name, error);
      }
    }
  }

  private report(name: DomainEventName, error: unknown): void {
    this.logger.error(
      `handler of ${String(name)} failed: ${error instanceof Error ? error.stack : String(error)}`,
    );
  }
}
