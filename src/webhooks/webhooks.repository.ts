import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { DeliveryStatus } from './webhook-delivery.entity';

export interface WebhookRecord {
  id: string;
  siteId: string;
  url: string;
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  failingSince: Date | null;
  createdAt: Date;
  createdKey: string;
}

export interface DeliveryRecord {
  id: string;
  webhookId: string;
  event: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
  createdKey: string;
}

/** What an attempt needs: the delivery and its webhook's endpoint and secret. */
export interface DeliveryTarget {
  delivery: DeliveryRecord;
  url: string;
  secret: string;
  enabled: boolean;
  failingSince: Date | null;
}

export const KEY = `to_char(%.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const WEBHOOK_COLUMNS = `w.id, w.site_id, w.url, w.events, w.enabled, w.disabled_reason, w.failing_since,
  w.created_at, ${KEY.replace('%', 'w')} AS created_key`;
export const DELIVERY_COLUMNS = `d.id, d.webhook_id, d.event, d.payload, d.status, d.attempts, d.last_status_code,
  d.last_error, d.next_attempt_at, d.created_at, ${KEY.replace('%', 'd')} AS created_key`;

export type Row = Record<string, unknown>;

/** Sites' webhooks and their delivery log. */
@Injectable()
export class WebhooksRepository {
  constructor(private readonly em: EntityManager) {}

  async insert(
    siteId: string,
    url: string,
    events: string[],
    secret: string,
  ): Promise<WebhookRecord> {
    const rows = await this.em.execute<Row[]>(
      `INSERT INTO webhooks AS w (id, site_id, url, events, secret)
       VALUES (gen_random_uuid(), ?, ?, ARRAY(SELECT jsonb_array_elements_text(?::jsonb)), ?) RETURNING ${WEBHOOK_COLUMNS}`,
      [siteId, url, JSON.stringify(events), secret],
    );
    return webhookOf(rows[0]!);
  }

  async list(
    siteId: string,
    limit: number,
    after?: { createdKey: string; id: string },
  ): Promise<WebhookRecord[]> {
    const params: unknown[] = [siteId];
    let where = 'w.site_id = ?';
    if (after) {
      where += ' AND (w.created_at, w.id) < (?::timestamptz, ?::uuid)';
      params.push(after.createdKey, after.id);
    }
    const rows = await this.em.execute<Row[]>(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhooks w WHERE ${where}
        ORDER BY w.created_at DESC, w.id DESC LIMIT ?`,
      [...params, limit],
    );
    return rows.map(webhookOf);
  }

  async find(siteId: string, id: string): Promise<WebhookRecord | null> {
    const rows = await this.em.execute<Row[]>(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhooks w WHERE w.site_id = ? AND w.id = ?`,
      [siteId, id],
    );
    return rows[0] ? webhookOf(rows[0]) : null;
  }

  async delete(siteId: string, id: string): Promise<boolean> {
    const rows = await this.em.execute<Row[]>(
      'DELETE FROM webhooks WHERE site_id = ? AND id = ? RETURNING id',
      [siteId, id],
    );
    return rows.length > 0;
  }

  /** The enabled webhooks of these sites, with the events each wants. */
  async enabledFor(siteIds: string[]): Promise<WebhookRecord[]> {
    if (siteIds.length === 0) return [];
    const rows = await this.em.execute<Row[]>(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhooks w WHERE w.site_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid) AND w.enabled`,
      [JSON.stringify(siteIds)],
    );
    return rows.map(webhookOf);
  }

  async succeeded(webhookId: string): Promise<void> {
    await this.em.execute(
      'UPDATE webhooks SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL',
      [webhookId],
    );
  }

  /** Marks the webhook failing (since its first failure); returns since when. */
  async failed(webhookId: string): Promise<Date> {
    const rows = await this.em.execute<{ failing_since: Date }[]>(
      `UPDATE webhooks SET failing_since = coalesce(failing_since, now()) WHERE id = ?
       RETURNING failing_since`,
      [webhookId],
    );
    return new Date(rows[0]!.failing_since);
  }

  async disable(webhookId: string, reason: string): Promise<void> {
    await this.em.execute('UPDATE webhooks SET enabled = false, disabled_reason = ? WHERE id = ?', [
      reason,
      webhookId,
    ]);
  }

  async enable(webhookId: string): Promise<void> {
    await this.em.execute(
      'UPDATE webhooks SET enabled = true, disabled_reason = NULL, failing_since = NULL WHERE id = ?',
      [webhookId],
    );
  }
}

function webhookOf(row: Row): WebhookRecord {
  return {
    id: row.id as string,
    siteId: row.site_id as string,
    url: row.url as string,
    events: row.events as string[],
    enabled: row.enabled as boolean,
    disabledReason: (row.disabled_reason as string | null) ?? null,
    failingSince: row.failing_since ? new Date(row.failing_since as string) : null,
    createdAt: new Date(row.created_at as string),
    createdKey: row.created_key as string,
  };
}
