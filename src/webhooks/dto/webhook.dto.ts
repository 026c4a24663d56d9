import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsString,
  MaxLength,
} from 'class-validator';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../webhook-delivery.entity';
import { WEBHOOK_EVENTS } from '../webhook.entity';

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://example.com/hooks/townhall', description: 'https: only' })
  @IsString({ message: 'url must be a string' })
  @MaxLength(2048, { message: 'url must be at most 2048 characters' })
  url!: string;

  @ApiProperty({ enum: WEBHOOK_EVENTS, isArray: true })
  @IsArray({ message: 'events must be an array' })
  @ArrayMinSize(1, { message: 'events must name at least one event' })
  @ArrayMaxSize(WEBHOOK_EVENTS.length, { message: 'events has too many entries' })
  @ArrayUnique({ message: 'events must not repeat an event' })
  @IsIn(WEBHOOK_EVENTS, {
    each: true,
    message: `events must be some of: ${WEBHOOK_EVENTS.join(', ')}`,
  })
  events!: string[];
}

export class WebhookDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  url!: string;

  @ApiProperty({ enum: WEBHOOK_EVENTS, isArray: true })
  events!: string[];

  @ApiProperty({ description: 'false once disabled after a day of failures' })
  enabled!: boolean;

  @ApiProperty({ nullable: true, type: String, description: 'Why it was disabled' })
  disabledReason!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class CreatedWebhookDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  url!: string;

  @ApiProperty({ enum: WEBHOOK_EVENTS, isArray: true })
  events!: string[];

  @ApiProperty({ description: 'whsec_…, shown only here' })
  secret!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class DeliveryDto {
  @ApiProperty({ format: 'uuid', description: 'Also the webhook-id header of every attempt' })
  id!: string;

  @ApiProperty({ enum: WEBHOOK_EVENTS })
  event!: string;

  @ApiProperty({ enum: DELIVERY_STATUSES })
  status!: DeliveryStatus;

  @ApiProperty({ minimum: 0 })
  attempts!: number;

  @ApiProperty({ nullable: true, type: Number })
  lastStatusCode!: number | null;

  @ApiProperty({ nullable: true, type: String, description: 'What went wrong last' })
  lastError!: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  nextAttemptAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}
