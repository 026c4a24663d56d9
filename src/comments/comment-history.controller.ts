import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Roles } from '../common/decorators/roles.decorator';
import { UuidParam } from '../common/decorators/uuid-param.decorator';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import type { Page } from '../common/pagination/cursor';
import { PageOf } from '../common/pagination/page.dto';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { CommentHistory, type RevisionView } from './comment-history.service';
import type { CommentView } from './comment.view';
import { CommentDto } from './dto/comment.dto';

class RevisionDto {
  @ApiProperty()
  body!: string;

  @ApiProperty({ format: 'date-time', description: 'When this text was written' })
  editedAt!: string;
}

class RevisionsDto {
  @ApiProperty({ type: [RevisionDto], description: 'Oldest first, the original included' })
  items!: RevisionDto[];
}

@ApiTags('comments')
@ApiBearerAuth()
@Controller('api')
export class CommentHistoryController {
  constructor(private readonly history: CommentHistory) {}

  @Get('comments/:id/revisions')
  @ApiOkResponse({ type: RevisionsDto })
  @ApiErrors(400, 401, 403, 404)
  revisions(
    @CurrentUser() user: Principal,
    @UuidParam('id') id: string,
  ): Promise<{ items: RevisionView[] }> {
    return this.history.revisionsOf(user, id);
  }

  @Get('users/:id/comments')
  @Roles('moderator', 'admin')
  @ApiOkResponse({ type: PageOf(CommentDto), description: 'Every status, newest first' })
  @ApiErrors(400, 401, 403, 404)
  byUser(@UuidParam('id') id: string, @Query() query: PageQueryDto): Promise<Page<CommentView>> {
    return this.history.byUser(id, query.limit, query.cursor);
  }
}
