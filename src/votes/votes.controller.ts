import { Body, Controller, Delete, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { BanCheckedInWrite } from '../common/decorators/ban-checked-in-write.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { RateLimit } from '../common/rate-limit/rate-limit.decorator';
import { CastVoteDto, VoteParamsDto, VoteResultDto } from './dto/vote.dto';
import { DIMENSIONS } from './vote.entity';
import { VotesService } from './votes.service';

@ApiTags('votes')
@ApiBearerAuth()
@ApiParam({ name: 'id', format: 'uuid', description: 'Article id' })
@ApiParam({ name: 'dimension', enum: DIMENSIONS })
@Controller('api/articles/:id/votes/:dimension')
export class VotesController {
  constructor(private readonly votes: VotesService) {}

  @Put()
  @BanCheckedInWrite()
  @RateLimit('votes')
  @ApiOkResponse({ type: VoteResultDto })
  @ApiErrors(400, 401, 403, 404, 429)
  cast(
    @CurrentUser() user: Principal,
    @Param() params: VoteParamsDto,
    @Body() dto: CastVoteDto,
  ): Promise<VoteResultDto> {
    return this.votes.cast(user.id, params.id, params.dimension, dto.value);
  }

  @Delete()
  @BanCheckedInWrite()
  @RateLimit('votes')
  @ApiOkResponse({ type: VoteResultDto })
  @ApiErrors(400, 401, 403, 404, 429)
  retract(@CurrentUser() user: Principal, @Param() params: VoteParamsDto): Promise<VoteResultDto> {
    return this.votes.retract(user.id, params.id, params.dimension);
  }
}
