import { SetMetadata } from '@nestjs/common';
import type { DomainEventName, HandlerScope } from './domain-event-bus';

export const DOMAIN_EVENT_HANDLER = Symbol('DOMAIN_EVENT_HANDLER');

export interface DomainEventHandlerMetadata {
  name: DomainEventName;
  scope: HandlerScope;
}

/**
 * Marks a provider's method as the handler of a domain event (typed by the method's parameter);
 * EventsModule subscribes it at start. By default it runs on every instance for the events of
 * all instances (see HandlerScope).
 */
export const OnDomainEvent = (
  name: DomainEventName,
  scope: HandlerScope = 'cluster',
): MethodDecorator =>
  SetMetadata<symbol, DomainEventHandlerMetadata>(DOMAIN_EVENT_HANDLER, { name, scope });
