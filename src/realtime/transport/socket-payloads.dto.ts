import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { EXTERNAL_ID } from '../../articles/dto/site-article.dto';
import {
  MAX_WATCHED,
  type ReauthRequest,
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

  @Optional()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'epoch must be the epoch of an earlier ack' })
  @IsString({ message: 'epoch must be a string' })
  epoch?: string;
}

export class ReauthDto implements ReauthRequest {
  @MaxLength(4096, { message: 'token must be an access token' })
  @MinLength(1, { message: 'token must be an access token' })
  @IsString({ message: 'token must be a string' })
  token!: string;
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
