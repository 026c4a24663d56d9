import { Injectable, Logger } from '@nestjs/common';

/**
 * The domain events of Townhall, by name. Each feature adds its own events to this map by
 * declaration merging (`declare module`), so the bus stays typed without importing features.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DomainEvents {}

export type DomainEventName = keyof DomainEvents;
type Handler<K extends DomainEventName> = (event: DomainEvents[K]) => void | Promise<void>;

/**
 * In-process, after-commit notifications: services publish once their transaction has
 * committed; listeners (the realtime gateway) react. A failing listener is logged and never
 * affects the write that published the event.
 */
@Injectable()
export class DomainEventBus {
  private readonly logger = new Logger(DomainEventBus.name);
  private readonly handlers = new Map<DomainEventName, Set<Handler<DomainEventName>>>();

  publish<K extends DomainEventName>(name: K, event: DomainEvents[K]): void {
    for (const handler of this.handlers.get(name) ?? []) {
      try {
        const result = handler(event);
        if (result instanceof Promise) result.catch((error: unknown) => this.report(name, error));
      } catch (error) {
        this.report(name, error);
      }
    }
  }

  /** Returns the function that removes this handler. */
  on<K extends DomainEventName>(name: K, handler: Handler<K>): () => void {
    const set = this.handlers.get(name) ?? new Set();
    set.add(handler as Handler<DomainEventName>);
    this.handlers.set(name, set);
    return () => set.delete(handler as Handler<DomainEventName>);
  }

  private report(name: DomainEventName, error: unknown): void {
    this.logger.error(
      `listener of ${String(name)} failed: ${error instanceof Error ? error.stack : String(error)}`,
    );
  }
}
