import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class EraseAccountDto {
  @ApiPropertyOptional({ description: 'The account’s password; users of single sign-on send {}' })
  @IsOptional()
  @IsString({ message: 'password must be a string' })
  @MaxLength(128, { message: 'password must be at most 128 characters' })
  password?: string;
}
