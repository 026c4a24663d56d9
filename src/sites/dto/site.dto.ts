import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsString,
  MaxLength,
  registerDecorator,
  ValidateIf,
  type ValidationOptions,
} from 'class-validator';
import { Optional, TrimmedText } from '../../common/validation/text.decorators';
import {
  type ModerationSettings,
  ModerationSettingsDto,
  NestedModerationSettings,
} from '../moderation-settings';

export const MAX_ORIGINS = 50;

/** `http:` or `https:`, a host, an optional port, and nothing after it (no path, no slash). */
export function isWebOrigin(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 300) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

function IsWebOrigin(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isWebOrigin',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message:
          '$property must be exact origins like https://news.example or http://localhost:8080 (no path, no trailing slash)',
        ...options,
      },
      validator: { validate: isWebOrigin },
    });
}

export class CreateSiteDto {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'The Daily Example' })
  @TrimmedText(1, 100)
  name!: string;

  @ApiProperty({ type: [String], maxItems: MAX_ORIGINS, example: ['https://news.example'] })
  @IsArray()
  @ArrayMaxSize(MAX_ORIGINS)
  @IsWebOrigin({ each: true })
  origins!: string[];

  @ApiPropertyOptional({ default: false })
  @Optional()
  @IsBoolean()
  autoCreateArticles?: boolean;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'https URL of a JWKS: SSO tokens are then RS256/ES256 verified against it',
  })
  @Optional()
  @ValidateIf((_dto: object, value: unknown) => value !== null)
  @IsString()
  @MaxLength(2048)
  ssoJwksUrl?: string | null;

  @ApiPropertyOptional({
    type: ModerationSettingsDto,
    nullable: true,
    description: 'Absent or null: the default settings apply',
  })
  @Optional()
  @ValidateIf((_dto: object, value: unknown) => value !== null)
  @NestedModerationSettings()
  moderation?: ModerationSettingsDto | null;
}

export class UpdateSiteDto extends PartialType(CreateSiteDto) {}

export class SiteDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: [String] })
  origins!: string[];

  @ApiProperty()
  autoCreateArticles!: boolean;

  @ApiProperty({ nullable: true, type: String })
  ssoJwksUrl!: string | null;

  @ApiProperty({ type: ModerationSettingsDto, nullable: true })
  moderation!: ModerationSettings | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class CreatedSiteDto extends SiteDto {
  @ApiProperty({ description: 'HS256 secret of the site’s SSO tokens: shown only here' })
  ssoSecret!: string;
}

export class SsoSecretDto {
  @ApiProperty({ description: 'The new secret; the previous one stops working' })
  ssoSecret!: string;
}

export class CreateApiKeyDto {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'CMS' })
  @TrimmedText(1, 100)
  name!: string;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  lastUsedAt!: string | null;
}

export class CreatedApiKeyDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ description: 'thk_…: shown only here (stored hashed)' })
  key!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}
