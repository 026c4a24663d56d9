import { Body, Controller, Delete, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import type { Principal } from '../../common/auth/principal';
import { CurrentUser } from '../../common/decorators/current-user.decorator';
import { UuidParam } from '../../common/decorators/uuid-param.decorator';
import { ApiErrors } from '../../common/openapi/api-errors.decorator';
import { RateLimit } from '../../common/rate-limit/rate-limit.decorator';
import { COMMENT_VOTE_VALUES, type CommentVoteValue } from '../comment-vote.entity';
import { CommentScoreDto } from '../dto/comment.dto';
import { type CommentVoteResult, CommentVotesService } from './comment-votes.service';

class CommentVoteDto {
  @ApiProperty({ enum: COMMENT_VOTE_VALUES })
  @IsIn(COMMENT_VOTE_VALUES, { message: 'value must be one of: up, down' })
  value!: CommentVoteValue;
}

class CommentVoteResultDto {
  @ApiProperty({ type: CommentScoreDto })
  score!: CommentScoreDto;

  @ApiProperty({ enum: COMMENT_VOTE_VALUES, nullable: true, type: String })
  myVote!: CommentVoteValue | null;
}

@ApiTags('comments')
@ApiBearerAuth()
@Controller('api/comments/:id/vote')
export class CommentVotesController {
  constructor(private readonly votes: CommentVotesService) {}

  @Put()
  @RateLimit('votes')
  @ApiOkResponse({ type: CommentVoteResultDto })
  @ApiErrors(400, 401, 403, 404, 409, 429)
  cast(
    @CurrentUser() user: Principal,
    @UuidParam('id') id: string,
    @Body() dto: CommentVoteDto,
  ): Promise<CommentVoteResult> {
    return this.votes.set(user, id, dto.value);
  }

  @Delete()
  @RateLimit('votes')
  @ApiOkResponse({ type: CommentVoteResultDto })
  @ApiErrors(400, 401, 403, 404, 429)
  retract(@CurrentUser() user: Principal, @UuidParam('id') id: string): Promise<CommentVoteResult> {
    return this.votes.set(user, id, null);
  }
}
