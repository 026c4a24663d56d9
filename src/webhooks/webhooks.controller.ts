import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '../common/decorators/roles.decorator';
import { UuidParam } from '../common/decorators/uuid-param.decorator';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import type { Page } from '../common/pagination/cursor';
import { PageOf } from '../common/pagination/page.dto';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { CreatedWebhookDto, CreateWebhookDto, DeliveryDto, WebhookDto } from './dto/webhook.dto';
import type { DeliveryRecord, WebhookRecord } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

/** A site's webhooks and their delivery log: for admins. */
@ApiTags('webhooks')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/sites/:id/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedWebhookDto })
  @ApiErrors(400, 401, 403, 404)
  async create(
    @UuidParam('id') siteId: string,
    @Body() dto: CreateWebhookDto,
  ): Promise<CreatedWebhookDto> {
    const { webhook, secret } = await this.webhooks.create(siteId, dto.url, dto.events);
    return {
      id: webhook.id,
      url: webhook.url,
      events: webhook.events,
      secret,
      createdAt: webhook.createdAt.toISOString(),
    };
  }

  @Get()
  @ApiOkResponse({ type: PageOf(WebhookDto) })
  @ApiErrors(400, 401, 403, 404)
  async list(
    @UuidParam('id') siteId: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<WebhookDto>> {
    const page = await this.webhooks.list(siteId, query.limit, query.cursor);
    return { items: page.items.map(webhookDto), nextCursor: page.nextCursor };
  }

  @Delete(':wid')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'No further deliveries' })
  @ApiErrors(400, 401, 403, 404)
  async delete(@UuidParam('id') siteId: string, @UuidParam('wid') id: string): Promise<void> {
    await this.webhooks.delete(siteId, id);
  }

  @Get(':wid/deliveries')
  @ApiOkResponse({ type: PageOf(DeliveryDto) })
  @ApiErrors(400, 401, 403, 404)
  async deliveries(
    @UuidParam('id') siteId: string,
    @UuidParam('wid') id: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<DeliveryDto>> {
    const page = await this.webhooks.deliveries(siteId, id, query.limit, query.cursor);
    return { items: page.items.map(deliveryDto), nextCursor: page.nextCursor };
  }

  @Post(':wid/deliveries/:did/retry')
  @HttpCode(202)
  @ApiAcceptedResponse({ description: 'Attempted again shortly, under the same webhook-id' })
  @ApiErrors(400, 401, 403, 404)
  async retry(
    @UuidParam('id') siteId: string,
    @UuidParam('wid') id: string,
    @UuidParam('did') deliveryId: string,
  ): Promise<void> {
    await this.webhooks.retry(siteId, id, deliveryId);
  }
}

function webhookDto(webhook: WebhookRecord): WebhookDto {
  return {
    id: webhook.id,
    url: webhook.url,
    events: webhook.events,
    enabled: webhook.enabled,
    disabledReason: webhook.disabledReason,
    createdAt: webhook.createdAt.toISOString(),
  };
}

function deliveryDto(delivery: DeliveryRecord): DeliveryDto {
  return {
    id: delivery.id,
    event: delivery.event,
    status: delivery.status,
    attempts: delivery.attempts,
    lastStatusCode: delivery.lastStatusCode,
    lastError: delivery.lastError,
    nextAttemptAt: delivery.nextAttemptAt ? delivery.nextAttemptAt.toISOString() : null,
    createdAt: delivery.createdAt.toISOString(),
  };
}
