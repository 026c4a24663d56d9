import { randomBytes } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { BadRequestError, NotFoundError } from '../common/errors/domain-error';
import { outboundUrlProblem } from '../common/net/outbound-url';
import { cursorCodec, type Page, toPage } from '../common/pagination/cursor';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { SitesService } from '../sites/sites.service';
import { DeliveriesRepository } from './deliveries.repository';
import { WebhookSender } from './webhook-sender.service';
import { type DeliveryRecord, type WebhookRecord, WebhooksRepository } from './webhooks.repository';

const CURSOR = cursorCodec('instant', 'uuid');

/** Sites' webhooks for admins: create, list, delete, the delivery log and manual retries. */
@Injectable()
export class WebhooksService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly webhooks: WebhooksRepository,
    private readonly deliveryLog: DeliveriesRepository,
    private readonly sites: SitesService,
    private readonly sender: WebhookSender,
    private readonly em: EntityManager,
  ) {}

  async create(
    siteId: string,
    url: string,
    events: string[],
  ): Promise<{ webhook: WebhookRecord; secret: string }> {
    await this.sites.get(siteId);
    const problem = outboundUrlProblem(url, this.config.allowPrivateUrls);
    if (problem) throw new BadRequestError(`url ${problem}`);
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const webhook = await this.webhooks.insert(siteId, url, events, secret);
    return { webhook, secret };
  }

  async list(siteId: string, limit: number, cursor?: string): Promise<Page<WebhookRecord>> {
    await this.sites.get(siteId);
    const after = cursor ? CURSOR.decode(cursor) : undefined;
    const rows = await this.webhooks.list(
      siteId,
      limit + 1,
      after && { createdKey: after[0], id: after[1] },
    );
    return toPage(
      rows,
      limit,
      (row) => row,
      (row) => CURSOR.encode([row.createdKey, row.id]),
    );
  }

  async delete(siteId: string, id: string): Promise<void> {
    if (!(await this.webhooks.delete(siteId, id))) throw new NotFoundError('webhook');
  }

  async deliveries(
    siteId: string,
    webhookId: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<DeliveryRecord>> {
    await this.webhook(siteId, webhookId);
    const after = cursor ? CURSOR.decode(cursor) : undefined;
    const rows = await this.deliveryLog.deliveries(
      webhookId,
      limit + 1,
      after && { createdKey: after[0], id: after[1] },
    );
    return toPage(
      rows,
      limit,
      (row) => row,
      (row) => CURSOR.encode([row.createdKey, row.id]),
    );
  }

  /**
   * Attempts the delivery again now, whatever its status (its attempts go on counting); a
   * webhook disabled after a day of failures is enabled again by this.
   */
  async retry(siteId: string, webhookId: string, deliveryId: string): Promise<void> {
    const webhook = await this.webhook(siteId, webhookId);
    await this.em.transactional(async (tx) => {
      if (!(await this.deliveryLog.requeue(webhookId, deliveryId))) {
        throw new NotFoundError('delivery');
      }
      if (!webhook.enabled) await this.webhooks.enable(webhookId);
      const target = (await this.deliveryLog.target(deliveryId))!;
      await this.sender.schedule(tx, [{ deliveryId, attempts: target.delivery.attempts }]);
    });
    this.sender.wake();
  }

  private async webhook(siteId: string, webhookId: string): Promise<WebhookRecord> {
    await this.sites.get(siteId);
    const webhook = await this.webhooks.find(siteId, webhookId);
    if (!webhook) throw new NotFoundError('webhook');
    return webhook;
  }
}
