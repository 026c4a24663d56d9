import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { MODERATION_ACTIONS } from '../../audit/moderation-log-entry.entity';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { CommentDto } from '../../comments/dto/comment.dto';
import { TrimmedText } from '../../common/validation/text.decorators';

export class ReasonDto {
  @ApiProperty({ minLength: 1, maxLength: 500, example: 'personal attack' })
  @TrimmedText(1, 500)
  reason!: string;
}

export class ReportCreatedDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  commentId!: string;
}

export class QueueItemDto {
  @ApiProperty({ type: CommentDto })
  comment!: CommentDto;

  @ApiProperty({ minimum: 0, description: '0 in the pending queue' })
  reportCount!: number;

  @ApiProperty({ type: [String] })
  reasons!: string[];
}

export class ModeratorDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ nullable: true, type: String })
  username!: string | null;

  @ApiProperty({ nullable: true, type: String })
  displayName!: string | null;
}

export class LogItemDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({
    enum: MODERATION_ACTIONS,
  })
  action!: string;

  @ApiProperty({ type: ModeratorDto })
  moderator!: ModeratorDto;

  @ApiProperty({ enum: ['comment', 'user'] })
  targetType!: string;

  @ApiProperty({ format: 'uuid' })
  targetId!: string;

  @ApiProperty({ nullable: true, type: String })
  reason!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export const QUEUE_STATUSES = ['reported', 'pending'] as const;

export class QueueQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: QUEUE_STATUSES,
    default: 'reported',
    description: 'reported: most reported first; pending: held comments, oldest first',
  })
  @IsOptional()
  @IsIn(QUEUE_STATUSES, { message: 'status must be one of: reported, pending' })
  status: (typeof QUEUE_STATUSES)[number] = 'reported';
}
