import { BadRequestException, Param, type PipeTransform } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsISO8601,
  IsString,
  IsUrl,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsPlainText } from '../../common/validation/is-plain-text';
import { Optional, TrimmedText } from '../../common/validation/text.decorators';
import type { Tallies } from '../tallies';
import { TalliesDto } from './article.dto';
import { FollowUpInputDto } from './article-input.dto';

/** The publisher's own id of an article. */
export const EXTERNAL_ID = /^[A-Za-z0-9._~:-]{1,128}$/;
export const MAX_COUNT_IDS = 100;

const externalIdPipe: PipeTransform<unknown, string> = {
  transform(value: unknown): string {
    if (typeof value !== 'string' || !EXTERNAL_ID.test(value)) {
      throw new BadRequestException('externalId must be 1-128 characters of A-Z a-z 0-9 . _ ~ : -');
    }
    return value;
  },
};

/** The `:externalId` path parameter, checked. */
export const ExternalIdParam = (): ParameterDecorator => Param('externalId', externalIdPipe);

/** `PUT /api/sites/:id/articles/:externalId`: fields left out keep their stored values. */
export class SiteArticleInputDto {
  @ApiProperty({ minLength: 1, maxLength: 300 })
  @TrimmedText(1, 300)
  title!: string;

  @ApiProperty({ minLength: 1, maxLength: 64, example: 'Politics' })
  @TrimmedText(1, 64)
  category!: string;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'Where the article is shown' })
  @Optional()
  @ValidateIf((_dto: object, value: unknown) => value !== null)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(2048)
  url?: string | null;

  @ApiPropertyOptional({ maxLength: 50000 })
  @Optional()
  @MaxLength(50000)
  @IsPlainText()
  @IsString()
  body?: string;

  @ApiPropertyOptional({ type: [String], maxItems: 20 })
  @Optional()
  @TrimmedText(1, 1000, { each: true })
  @ArrayMaxSize(20)
  @IsArray()
  keyTakeaways?: string[];

  @ApiPropertyOptional({ type: [FollowUpInputDto], maxItems: 20 })
  @Optional()
  @ValidateNested({ each: true })
  @ArrayMaxSize(20)
  @IsArray()
  @Type(() => FollowUpInputDto)
  followUps?: FollowUpInputDto[];

  @ApiPropertyOptional({ format: 'date-time' })
  @Optional()
  @IsISO8601({ strict: true })
  publishedAt?: string;
}

export class ArticleCountsDto {
  @ApiProperty({ minimum: 0 })
  commentCount!: number;

  @ApiProperty({ type: TalliesDto })
  tallies!: Tallies;
}

export class CountsDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/ArticleCountsDto' },
    description: 'By external id; unknown ids are left out',
  })
  counts!: Record<string, ArticleCountsDto>;
}

/** `?ids=a,b,…`: 1 to 100 well-formed external ids, duplicates dropped. */
export function parseCountIds(raw: unknown): string[] {
  if (typeof raw !== 'string' || raw === '') {
    throw new BadRequestException('ids must be a comma-separated list of external ids');
  }
  const ids = [...new Set(raw.split(','))];
  if (ids.length > MAX_COUNT_IDS) {
    throw new BadRequestException(`ids may name at most ${MAX_COUNT_IDS} articles`);
  }
  const bad = ids.find((id) => !EXTERNAL_ID.test(id));
  if (bad !== undefined) {
    throw new BadRequestException(
      'ids must be external ids of 1-128 characters of A-Z a-z 0-9 . _ ~ : -',
    );
  }
  return ids;
}
