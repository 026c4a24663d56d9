import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { CreateRequestContext, EntityManager } from '@mikro-orm/postgresql';
import { Webhook as Signer } from 'standardwebhooks';
import { guardedFetch } from '../common/net/outbound-url';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { JobQueue } from '../jobs/job-queue.service';
import { DeliveriesRepository } from './deliveries.repository';
import { type DeliveryTarget, WebhooksRepository } from './webhooks.repository';

export const WEBHOOK_QUEUE = 'webhook-delivery';
/** Attempts of one delivery, the first included (API.md "Webhooks"). */
export const MAX_ATTEMPTS = 8;
/** A webhook failing for this long without a success is disabled. */
export const DISABLE_AFTER_MS = 24 * 60 * 60 * 1000;
const TIMEOUT_MS = 10_000;
/**
 * Attempts using the database at once. A batch's POSTs all run together, but their reads and
 * writes take turns on a few of the pool's 10 connections: unbounded, a batch of 50 queued ~100
 * statements ahead of every request's (the reply-cost bench: POST latency 4.8× with webhooks).
 */
const DB_CONCURRENCY = 3;

/** A job of the webhook queue: attempt number `attempts + 1` of a delivery. */
export interface DeliveryJob {
  deliveryId: string;
  attempts: number;
}

interface Outcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

/**
 * Delivers webhook jobs: one POST per attempt, signed as Standard Webhooks do, under the
 * delivery's id; the destination is checked after DNS resolution at every attempt, redirects
 * are not followed, 10 s at most. A failure schedules the next attempt (exponential from
 * WEBHOOK_RETRY_BASE_MS) in the same transaction that records it.
 */
@Injectable()
export class WebhookSender implements OnModuleInit {
  private readonly logger = new Logger(WebhookSender.name);
  private readonly fetch: ReturnType<typeof guardedFetch>;
  private readonly db = new TakeTurns(DB_CONCURRENCY);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly webhooks: WebhooksRepository,
    private readonly deliveries: DeliveriesRepository,
    private readonly jobs: JobQueue,
    private readonly em: EntityManager,
  ) {
    this.fetch = guardedFetch(config.allowPrivateUrls, TIMEOUT_MS);
  }

  onModuleInit(): void {
    this.jobs.define<DeliveryJob>({
      name: WEBHOOK_QUEUE,
      batchSize: 50,
      expireInSeconds: 60,
      handle: async (jobs) => {
        await Promise.all(jobs.map((job) => this.attempt(job.data)));
      },
    });
  }

  /** Sends these jobs in the caller's transaction. */
  schedule(em: EntityManager, jobs: (DeliveryJob & { at?: Date })[]): Promise<void> {
    return this.jobs.sendInTransaction(
      em,
      WEBHOOK_QUEUE,
      jobs.map(({ at, ...data }) => ({ data, startAfter: at })),
    );
  }

  /** Lets this instance's worker pick up new jobs now. */
  wake(): void {
    this.jobs.wake(WEBHOOK_QUEUE);
  }

  @CreateRequestContext()
  private async attempt(job: DeliveryJob): Promise<void> {
    const target = await this.db.run(() => this.deliveries.target(job.deliveryId));
    if (!target) return;
    const { delivery } = target;
    // a stale job (the delivery moved on, or was retried by hand meanwhile) does nothing
    if (delivery.status !== 'pending' || delivery.attempts !== job.attempts) return;
    if (!target.enabled) {
      await this.db.run(() =>
        this.deliveries.recordAttempt(delivery.id, delivery.attempts, {
          status: 'failed',
          statusCode: null,
          error: 'webhook is disabled',
          nextAttemptAt: null,
        }),
      );
      return;
    }
    const outcome = await this.post(target);
    await this.db.run(() => this.record(delivery, outcome));
  }

  /** The attempt's outcome, and the next attempt when there is one, in one transaction. */
  private record(delivery: DeliveryTarget['delivery'], outcome: Outcome): Promise<void> {
    return this.em.transactional(async (tx) => {
      const attempts = delivery.attempts + 1;
      if (outcome.ok) {
        await this.deliveries.recordAttempt(delivery.id, delivery.attempts, {
          status: 'delivered',
          statusCode: outcome.statusCode,
          error: null,
          nextAttemptAt: null,
        });
        await this.webhooks.succeeded(delivery.webhookId);
        return;
      }
      const failingSince = await this.webhooks.failed(delivery.webhookId);
      const disable = Date.now() - failingSince.getTime() >= DISABLE_AFTER_MS;
      const last = attempts >= MAX_ATTEMPTS || disable;
      const nextAttemptAt = last
        ? null
        : new Date(Date.now() + this.config.webhookRetryBaseMs * 2 ** (attempts - 1));
      const recorded = await this.deliveries.recordAttempt(delivery.id, delivery.attempts, {
        status: last ? 'failed' : 'pending',
        statusCode: outcome.statusCode,
        error: outcome.error,
        nextAttemptAt,
      });
      if (!recorded) return;
      if (disable) {
        await this.webhooks.disable(
          delivery.webhookId,
          `every delivery failed since ${failingSince.toISOString()}; last: ${outcome.error}`,
        );
        this.logger.warn(`webhook ${delivery.webhookId} disabled after a day of failures`);
      }
      if (nextAttemptAt) {
        await this.schedule(tx, [{ deliveryId: delivery.id, attempts, at: nextAttemptAt }]);
      }
    });
  }

  private async post({ delivery, url, secret }: DeliveryTarget): Promise<Outcome> {
    const sentAt = new Date();
    const signature = new Signer(secret).sign(delivery.id, sentAt, delivery.payload);
    try {
      const response = await this.fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Townhall-Webhooks',
          'webhook-id': delivery.id,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body: delivery.payload,
      });
      await response.body?.cancel().catch(() => undefined);
      const ok = response.status >= 200 && response.status < 300;
      return { ok, statusCode: response.status, error: ok ? null : `HTTP ${response.status}` };
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause;
      const message =
        (error as Error).name === 'TimeoutError'
          ? 'timed out after 10 s'
          : (error as Error).message;
      return {
        ok: false,
        statusCode: null,
        error: cause ? `${message}: ${cause.message}` : message,
      };
    }
  }
}

/** At most `limit` of the given tasks run at once; the others wait their turn, in order. */
class TakeTurns {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((turn) => this.waiting.push(turn));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
