import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { DeliveryStatus } from './webhook-delivery.entity';
import {
  DELIVERY_COLUMNS,
  type DeliveryRecord,
  type DeliveryTarget,
  type Row,
} from './webhooks.repository';

/** The delivery log of webhooks: each delivery, its attempts and their outcome. */
@Injectable()
export class DeliveriesRepository {
  constructor(private readonly em: EntityManager) {}

  /** New pending deliveries; returns their ids in order. */
  async insertDeliveries(
    deliveries: { webhookId: string; event: string; payload: string }[],
  ): Promise<string[]> {
    if (deliveries.length === 0) return [];
    const rows = await this.em.execute<{ id: string }[]>(
      `INSERT INTO webhook_deliveries (id, webhook_id, event, payload, next_attempt_at)
       SELECT gen_random_uuid(), x.webhook_id, x.event, x.payload, now()
         FROM jsonb_to_recordset(?::jsonb) AS x(webhook_id uuid, event text, payload text, ord int)
        ORDER BY x.ord
       RETURNING id`,
      [
        JSON.stringify(
          deliveries.map((d, ord) => ({
            webhook_id: d.webhookId,
            event: d.event,
            payload: d.payload,
            ord,
          })),
        ),
      ],
    );
    return rows.map((row) => row.id);
  }

  async deliveries(
    webhookId: string,
    limit: number,
    after?: { createdKey: string; id: string },
  ): Promise<DeliveryRecord[]> {
    const params: unknown[] = [webhookId];
    let where = 'd.webhook_id = ?';
    if (after) {
      where += ' AND (d.created_at, d.id) < (?::timestamptz, ?::uuid)';
      params.push(after.createdKey, after.id);
    }
    const rows = await this.em.execute<Row[]>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE ${where}
        ORDER BY d.created_at DESC, d.id DESC LIMIT ?`,
      [...params, limit],
    );
    return rows.map(deliveryOf);
  }

  /** The delivery and its webhook's endpoint. */
  async target(deliveryId: string): Promise<DeliveryTarget | null> {
    const rows = await this.em.execute<Row[]>(
      `SELECT ${DELIVERY_COLUMNS}, w.url, w.secret, w.enabled, w.failing_since AS webhook_failing_since
         FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
        WHERE d.id = ?`,
      [deliveryId],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      delivery: deliveryOf(row),
      url: row.url as string,
      secret: row.secret as string,
      enabled: row.enabled as boolean,
      failingSince: row.webhook_failing_since
        ? new Date(row.webhook_failing_since as string)
        : null,
    };
  }

  /** Records the outcome of attempt number `attempts + 1`; false when another got there first. */
  async recordAttempt(
    deliveryId: string,
    attempts: number,
    outcome: {
      status: DeliveryStatus;
      statusCode: number | null;
      error: string | null;
      nextAttemptAt: Date | null;
    },
  ): Promise<boolean> {
    const rows = await this.em.execute<Row[]>(
      `UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, last_status_code = ?,
              last_error = ?, next_attempt_at = ?
        WHERE id = ? AND attempts = ? AND status = 'pending' RETURNING id`,
      [
        outcome.status,
        outcome.statusCode,
        outcome.error,
        outcome.nextAttemptAt,
        deliveryId,
        attempts,
      ],
    );
    return rows.length > 0;
  }

  /** A delivery of this webhook set pending again; false when there is none. */
  async requeue(webhookId: string, deliveryId: string): Promise<boolean> {
    const rows = await this.em.execute<Row[]>(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now()
        WHERE id = ? AND webhook_id = ? RETURNING id`,
      [deliveryId, webhookId],
    );
    return rows.length > 0;
  }
}

function deliveryOf(row: Row): DeliveryRecord {
  return {
    id: row.id as string,
    webhookId: row.webhook_id as string,
    event: row.event as string,
    payload: row.payload as string,
    status: row.status as DeliveryStatus,
    attempts: row.attempts as number,
    lastStatusCode: (row.last_status_code as number | null) ?? null,
    lastError: (row.last_error as string | null) ?? null,
    nextAttemptAt: row.next_attempt_at ? new Date(row.next_attempt_at as string) : null,
    createdAt: new Date(row.created_at as string),
    createdKey: row.created_key as string,
  };
}
