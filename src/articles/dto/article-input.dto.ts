import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsPlainText } from '../../common/validation/is-plain-text';
import { TrimmedText, Optional } from '../../common/validation/text.decorators';

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export class FollowUpInputDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'On update: the id of an existing follow-up to keep (and edit) it',
  })
  @Optional()
  @IsUUID()
  id?: string;

  @ApiProperty({ minLength: 1, maxLength: 500 })
  @TrimmedText(1, 500)
  question!: string;

  @ApiProperty({ minLength: 1, maxLength: 10000 })
  @TrimmedText(1, 10000)
  answer!: string;
}

export class CreateArticleDto {
  @ApiPropertyOptional({
    maxLength: 120,
    pattern: SLUG_PATTERN.source,
    description: 'Defaults to one made from the title',
  })
  @Optional()
  @Matches(SLUG_PATTERN, { message: 'slug must be lower-case words joined by single hyphens' })
  @Length(1, 120)
  @IsString()
  slug?: string;

  @ApiProperty({ minLength: 1, maxLength: 64, example: 'Important News' })
  @TrimmedText(1, 64)
  category!: string;

  @ApiProperty({ minLength: 1, maxLength: 300 })
  @TrimmedText(1, 300)
  title!: string;

  @ApiPropertyOptional({ maxLength: 50000, default: '' })
  @Optional()
  @MaxLength(50000)
  @IsPlainText()
  @IsString()
  body?: string;

  @ApiProperty({ type: [String], maxItems: 20 })
  @TrimmedText(1, 1000, { each: true })
  @ArrayMaxSize(20)
  @IsArray()
  keyTakeaways!: string[];

  @ApiProperty({ type: [FollowUpInputDto], maxItems: 20 })
  @ValidateNested({ each: true })
  @ArrayMaxSize(20)
  @IsArray()
  @Type(() => FollowUpInputDto)
  followUps!: FollowUpInputDto[];
}

/** Every field optional; a field that is present must be valid (null is not "absent"). */
export class UpdateArticleDto extends PartialType(CreateArticleDto, {
  skipNullProperties: false,
}) {
  @ApiPropertyOptional({ description: 'No new comments: posting answers 403' })
  @Optional()
  @IsBoolean({ message: 'commentsClosed must be a boolean' })
  commentsClosed?: boolean;
}
