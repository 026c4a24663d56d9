import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { Optional } from '../../common/validation/text.decorators';

export class EraseAccountDto {
  @ApiPropertyOptional({ description: 'The account’s password; users of single sign-on send {}' })
  @Optional()
  @IsString({ message: 'password must be a string' })
  @MaxLength(128, { message: 'password must be at most 128 characters' })
  password?: string;
}
