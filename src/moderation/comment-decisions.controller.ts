import { Body, Controller, Delete, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CommentDto } from '../comments/dto/comment.dto';
import type { CommentView } from '../comments/comment.view';
import type { Principal } from '../common/auth/principal';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Roles } from '../common/decorators/roles.decorator';
import { UuidParam } from '../common/decorators/uuid-param.decorator';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { CommentDecisions } from './comment-decisions.service';
import { ReasonDto } from './dto/moderation.dto';

/** Approve and reject held comments; feature and unfeature visible ones. */
@ApiTags('moderation')
@ApiBearerAuth()
@Roles('moderator', 'admin')
@Controller('api/comments/:id')
export class CommentDecisionsController {
  constructor(private readonly decisions: CommentDecisions) {}

  @Post('approve')
  @HttpCode(200)
  @ApiOkResponse({ type: CommentDto, description: 'Now visible; readers get comment.created' })
  @ApiErrors(400, 401, 403, 404, 409)
  approve(@CurrentUser() moderator: Principal, @UuidParam('id') id: string): Promise<CommentView> {
    return this.decisions.approve(moderator, id);
  }

  @Post('reject')
  @HttpCode(200)
  @ApiOkResponse({ type: CommentDto, description: 'Now rejected' })
  @ApiErrors(400, 401, 403, 404, 409)
  reject(
    @CurrentUser() moderator: Principal,
    @UuidParam('id') id: string,
    @Body() dto: ReasonDto,
  ): Promise<CommentView> {
    return this.decisions.reject(moderator, id, dto.reason);
  }

  @Post('feature')
  @HttpCode(200)
  @ApiOkResponse({ type: CommentDto, description: 'featured: true; readers get comment.updated' })
  @ApiErrors(400, 401, 403, 404, 409)
  feature(@CurrentUser() moderator: Principal, @UuidParam('id') id: string): Promise<CommentView> {
    return this.decisions.feature(moderator, id, true);
  }

  @Delete('feature')
  @ApiOkResponse({ type: CommentDto, description: 'featured: false; readers get comment.updated' })
  @ApiErrors(400, 401, 403, 404, 409)
  unfeature(
    @CurrentUser() moderator: Principal,
    @UuidParam('id') id: string,
  ): Promise<CommentView> {
    return this.decisions.feature(moderator, id, false);
  }
}
