import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsOptional, IsUUID } from 'class-validator';
import { Optional } from '../../common/validation/text.decorators';
import { CommentDto } from '../../comments/dto/comment.dto';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { NOTIFICATION_TYPES, type NotificationType } from '../notification.entity';

export class NotificationDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: NOTIFICATION_TYPES })
  type!: NotificationType;

  @ApiProperty({ format: 'uuid' })
  articleId!: string;

  @ApiProperty({ type: CommentDto, description: 'The reply, or the user’s own comment' })
  comment!: CommentDto;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  readAt!: string | null;
}

export class ListNotificationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ type: Boolean, description: 'Only unread notifications' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean({ message: 'unread must be true or false' })
  unread?: boolean;
}

export class UnreadCountDto {
  @ApiProperty({ minimum: 0 })
  count!: number;
}

export class MarkReadDto {
  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Absent: all' })
  @Optional()
  @IsArray({ message: 'ids must be an array of UUIDs' })
  @ArrayMaxSize(1000, { message: 'ids must have at most 1000 entries' })
  @IsUUID('all', { each: true, message: 'ids must be an array of UUIDs' })
  ids?: string[];
}
