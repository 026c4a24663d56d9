import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsString,
  IsUUID,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { EXTERNAL_ID } from '../../articles/dto/site-article.dto';
import {
  MAX_WATCHED,
  type SubscribeRequest,
  type UnsubscribeRequest,
  type WatchRequest,
} from '../contract';
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

export class WatchDto implements WatchRequest {
  @IsUUID('all', { message: 'siteId must be a UUID' })
  siteId!: string;

  @Matches(EXTERNAL_ID, {
    each: true,
    message: 'externalIds must be ids of 1-128 characters of A-Z a-z 0-9 . _ ~ : -',
  })
  @IsString({ each: true })
  @ArrayMaxSize(MAX_WATCHED)
  @ArrayMinSize(1)
  @IsArray()
  externalIds!: string[];
}
