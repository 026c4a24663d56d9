import { IsInt, IsUUID, Max, Min } from 'class-validator';
import type { SubscribeRequest, UnsubscribeRequest } from '../contract';
import { Optional } from '../../common/validation/text.decorators';

export class SubscribeDto implements SubscribeRequest {
  @IsUUID('all', { message: 'articleId must be a UUID' })
  articleId!: string;

  @Optional()
  @Max(2 ** 31 - 1)
  @Min(0)
  @IsInt({ message: 'since must be an integer >= 0' })
  since?: number;
}

export class UnsubscribeDto implements UnsubscribeRequest {
  @IsUUID('all', { message: 'articleId must be a UUID' })
  articleId!: string;
}
