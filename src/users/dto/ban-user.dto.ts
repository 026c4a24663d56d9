import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsFutureInstant, TrimmedText, Optional } from '../../common/validation/text.decorators';

export class BanUserDto {
  @ApiProperty({ minLength: 1, maxLength: 500, example: 'spam' })
  @TrimmedText(1, 500)
  reason!: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Omit to ban until unbanned' })
  @Optional()
  @IsFutureInstant()
  until?: string;
}
