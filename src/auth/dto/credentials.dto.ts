import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, IsUUID, Length, Matches } from 'class-validator';
import { IsPlainText } from '../../common/validation/is-plain-text';
import { TrimmedText, Optional } from '../../common/validation/text.decorators';

export class LoginDto {
  @ApiProperty({ minLength: 3, maxLength: 32, pattern: '^[A-Za-z0-9_]+$', example: 'ada_l' })
  // checked bottom-up: type first, so a number gets "must be a string"
  @Matches(/^[A-Za-z0-9_]+$/, { message: 'username may contain only A-Z, a-z, 0-9 and _' })
  @Length(3, 32)
  @IsString()
  username!: string;

  @ApiProperty({ minLength: 8, maxLength: 128, example: 'correct horse battery' })
  @IsPlainText()
  @Length(8, 128)
  @IsString()
  password!: string;
}

export class RegisterDto extends LoginDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 64, example: 'Ada Lovelace' })
  @Optional()
  @TrimmedText(1, 64)
  displayName?: string;
}

export class RefreshTokenDto {
  @ApiProperty({ description: 'The refresh token from login, register or the last refresh' })
  // long enough that a wrong kind of token (an access token) is answered 401, not 400
  @Matches(/^[\x21-\x7e]*$/, {
    message: 'refreshToken must be a token (no spaces, control characters or non-ASCII)',
  })
  @Length(1, 1024)
  @IsString()
  refreshToken!: string;
}

export class SsoDto {
  @ApiProperty({ format: 'uuid', description: 'The site whose secret (or JWKS) signed the token' })
  @IsUUID('all', { message: 'siteId must be a UUID' })
  siteId!: string;

  @ApiProperty({ description: "A JWT the publisher's server signed for its logged-in user" })
  @Length(1, 8192)
  @IsString()
  token!: string;
}
