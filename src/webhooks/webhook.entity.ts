import { randomUUID } from 'node:crypto';
import {
  ArrayType,
  Entity,
  Index,
  ManyToOne,
  type Opt,
  PrimaryKey,
  Property,
} from '@mikro-orm/core';
import { Site } from '../sites/site.entity';

export const WEBHOOK_EVENTS = [
  'comment.created',
  'comment.updated',
  'comment.removed',
  'comment.pending',
  'comment.approved',
  'comment.rejected',
  'report.created',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * A site's endpoint for events of its articles. The secret must be readable to sign, so it is
 * stored as it is (shown once). Disabled automatically after a day of failed deliveries.
 */
@Entity({ tableName: 'webhooks' })
@Index({ properties: ['site', 'createdAt', 'id'] })
export class Webhook {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Site, { deleteRule: 'cascade' })
  site!: Site;

  @Property({ type: 'text' })
  url!: string;

  @Property({ type: ArrayType, columnType: 'text[]' })
  events!: string[];

  @Property({ type: 'string', length: 100, hidden: true })
  secret!: string;

  @Property({ type: 'boolean', default: true })
  enabled: Opt<boolean> = true;

  @Property({ type: 'text', nullable: true })
  disabledReason: Opt<string> | null = null;

  /** The first failure since the last success: a day of failures disables the webhook. */
  @Property({ type: 'datetime', nullable: true })
  failingSince: Opt<Date> | null = null;

  @Property({ type: 'datetime', defaultRaw: 'clock_timestamp()' })
  createdAt: Opt<Date> = new Date();
}
