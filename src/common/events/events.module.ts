import { Global, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { DomainEventBus, type DomainEventHandler, type DomainEventName } from './domain-event-bus';
import { DOMAIN_EVENT_HANDLER, type DomainEventHandlerMetadata } from './on-domain-event.decorator';

/** Subscribes every `@OnDomainEvent` method of every provider to the bus. */
@Injectable()
class DomainEventHandlers implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly bus: DomainEventBus,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const handler = (instance as Record<string, unknown>)[method];
        if (typeof handler !== 'function') continue;
        const meta = this.reflector.get<DomainEventHandlerMetadata | undefined>(
          DOMAIN_EVENT_HANDLER,
          handler,
        );
        if (!meta) continue;
        this.bus.on(
          meta.name,
          (handler as DomainEventHandler<DomainEventName>).bind(instance),
          meta.scope,
        );
      }
    }
  }
}

@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [DomainEventBus, DomainEventHandlers],
  exports: [DomainEventBus],
})
export class EventsModule {}
