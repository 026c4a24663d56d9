import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { TrimmedText, Optional } from '../../common/validation/text.decorators';
import { COMMENT_STATUSES, type CommentStatus } from '../comment.entity';

export const COMMENT_SORTS = ['newest', 'oldest', 'top'] as const;

export class CommentAuthorDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  username!: string;

  @ApiProperty()
  displayName!: string;
}

export class CommentScoreDto {
  @ApiProperty({ minimum: 0 })
  up!: number;

  @ApiProperty({ minimum: 0 })
  down!: number;
}

export class CommentDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  articleId!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  parentId!: string | null;

  @ApiProperty({ type: CommentAuthorDto, nullable: true, description: 'null on tombstones' })
  author!: CommentAuthorDto | null;

  @ApiProperty({ nullable: true, type: String, description: 'Plain text; null on tombstones' })
  body!: string | null;

  @ApiProperty({ enum: COMMENT_STATUSES })
  status!: CommentStatus;

  @ApiProperty({ minimum: 0, description: 'Visible direct replies' })
  replyCount!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  editedAt!: string | null;

  @ApiProperty({ description: "An editors' pick" })
  featured!: boolean;

  @ApiProperty({ type: CommentScoreDto })
  score!: CommentScoreDto;

  @ApiPropertyOptional({ enum: ['up', 'down'], nullable: true, description: 'When authenticated' })
  myVote?: 'up' | 'down' | null;
}

export class CreateCommentDto {
  @ApiProperty({ minLength: 1, maxLength: 5000, description: 'Plain text, never HTML' })
  @TrimmedText(1, 5000)
  body!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Reply to this comment of the same article' })
  @Optional()
  @IsUUID('all', { message: 'parentId must be a UUID' })
  parentId?: string;
}

export class EditCommentDto {
  @ApiProperty({ minLength: 1, maxLength: 5000 })
  @TrimmedText(1, 5000)
  body!: string;
}

export class ListCommentsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: COMMENT_SORTS, default: 'newest' })
  @IsOptional()
  @IsIn(COMMENT_SORTS, { message: 'sort must be one of: newest, oldest, top' })
  sort: (typeof COMMENT_SORTS)[number] = 'newest';

  @ApiPropertyOptional({ format: 'uuid', description: 'List the replies of this comment' })
  @IsOptional()
  @IsUUID('all', { message: 'parentId must be a UUID' })
  parentId?: string;

  @ApiPropertyOptional({
    description:
      'Moderators and admins, comma-separated: `removed` shows originals, `pending` every pending and rejected comment',
    example: 'removed,pending',
  })
  @IsOptional()
  @Matches(/^(removed|pending)(,(removed|pending))?$/, {
    message: 'include must be a comma-separated list of: removed, pending',
  })
  include?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Only featured comments' })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'featured must be true or false' })
  featured?: 'true' | 'false';
}
