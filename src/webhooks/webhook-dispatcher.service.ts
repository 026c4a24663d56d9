import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { WebhookEvent } from './webhook.entity';
import { DeliveriesRepository } from './deliveries.repository';
import { WebhookSender } from './webhook-sender.service';
import { WebhooksRepository } from './webhooks.repository';

/** An event of one site's article, for that site's webhooks. */
export interface SiteEvent {
  siteId: string;
  type: WebhookEvent;
  data: Record<string, unknown>;
}

/**
 * Turns events into deliveries (one per enabled webhook that wants the event) and their jobs,
 * in the caller's transaction. The body is fixed here, so every attempt sends the same bytes.
 */
@Injectable()
export class WebhookDispatcher {
  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly deliveries: DeliveriesRepository,
    private readonly sender: WebhookSender,
  ) {}

  /** Returns how many deliveries were queued (wake the worker after COMMIT when any). */
  async dispatch(em: EntityManager, events: SiteEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const hooks = await this.webhooks.enabledFor([...new Set(events.map((e) => e.siteId))]);
    if (hooks.length === 0) return 0;
    const timestamp = new Date().toISOString();
    const deliveries = events.flatMap((event) =>
      hooks
        .filter((hook) => hook.siteId === event.siteId && hook.events.includes(event.type))
        .map((hook) => ({
          webhookId: hook.id,
          event: event.type,
          payload: JSON.stringify({ type: event.type, timestamp, data: event.data }),
        })),
    );
    const ids = await this.deliveries.insertDeliveries(deliveries);
    await this.sender.schedule(
      em,
      ids.map((deliveryId) => ({ deliveryId, attempts: 0 })),
    );
    return ids.length;
  }

  wake(): void {
    this.sender.wake();
  }
}
