import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  // decorators apply bottom-up and are checked in that order: an integer first, then its range
  @IsOptional()
  // plain decimal digits only: no '0x10', '1e2', ' 5' or '5.0' read as numbers
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^[0-9]{1,6}$/.test(value) ? Number(value) : value,
  )
  @Max(100)
  @Min(1)
  @IsInt()
  limit: number = 20;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}
