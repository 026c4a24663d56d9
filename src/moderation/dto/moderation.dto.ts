import { ApiProperty } from '@nestjs/swagger';
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

  @ApiProperty({ minimum: 1 })
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
    enum: ['comment.remove', 'comment.restore', 'user.ban', 'user.unban', 'user.role'],
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
