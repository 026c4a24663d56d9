import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { TrimmedText } from '../common/validation/text.decorators';

export const MODERATION_MODES = ['post', 'pre', 'first-comment'] as const;
export type ModerationMode = (typeof MODERATION_MODES)[number];
/** The most entries a word list may have. */
export const MAX_WORDS = 10_000;

/** `ModerationSettings` of the contract: a site's, or the default for articles without one. */
export interface ModerationSettings {
  mode: ModerationMode;
  bannedWords: string[];
  suspectWords: string[];
  editWindowSeconds: number;
  holdLinks: boolean;
}

export const DEFAULT_MODERATION: ModerationSettings = {
  mode: 'post',
  bannedWords: [],
  suspectWords: [],
  editWindowSeconds: 900,
  holdLinks: false,
};

/** The settings in a request body: every field required, each checked. */
export class ModerationSettingsDto implements ModerationSettings {
  @ApiProperty({ enum: MODERATION_MODES })
  @IsIn(MODERATION_MODES, { message: `mode must be one of: ${MODERATION_MODES.join(', ')}` })
  mode!: ModerationMode;

  @ApiProperty({ type: [String], maxItems: MAX_WORDS, description: 'Words or phrases' })
  @IsArray()
  @ArrayMaxSize(MAX_WORDS)
  @TrimmedText(1, 100, { each: true })
  bannedWords!: string[];

  @ApiProperty({ type: [String], maxItems: MAX_WORDS })
  @IsArray()
  @ArrayMaxSize(MAX_WORDS)
  @TrimmedText(1, 100, { each: true })
  suspectWords!: string[];

  @ApiProperty({ minimum: 0, maximum: 86_400, default: 900 })
  @IsInt()
  @Min(0)
  @Max(86_400)
  editWindowSeconds!: number;

  @ApiProperty()
  @IsBoolean()
  holdLinks!: boolean;
}

/** For DTOs that embed the settings. */
export function NestedModerationSettings(): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    ValidateNested()(target, property);
    Type(() => ModerationSettingsDto)(target, property);
  };
}
