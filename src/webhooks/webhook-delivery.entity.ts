import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { Webhook } from './webhook.entity';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One event for one webhook: its id is the `webhook-id` of every attempt, and `payload` the exact
 * body, so a retry sends the same bytes under the same id.
 */
@Entity({ tableName: 'webhook_deliveries' })
@Index({ properties: ['webhook', 'createdAt', 'id'] })
export class WebhookDelivery {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Webhook, { deleteRule: 'cascade' })
  webhook!: Webhook;

  @Property({ type: 'string', length: 32 })
  event!: string;

  @Property({ type: 'text' })
  payload!: string;

  @Property({ type: 'string', length: 16, default: 'pending' })
  status: Opt<DeliveryStatus> = 'pending';

  @Property({ type: 'integer', default: 0 })
  attempts: Opt<number> = 0;

  @Property({ type: 'integer', nullable: true })
  lastStatusCode: Opt<number> | null = null;

  @Property({ type: 'text', nullable: true })
  lastError: Opt<string> | null = null;

  @Property({ type: 'datetime', nullable: true })
  nextAttemptAt: Opt<Date> | null = null;

  @Property({ type: 'datetime', defaultRaw: 'clock_timestamp()' })
  createdAt: Opt<Date> = new Date();
}
