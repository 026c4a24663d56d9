import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsUUID } from 'class-validator';
import { TalliesDto } from '../../articles/dto/article.dto';
import { DIMENSIONS, type Dimension, VOTE_VALUES, type VoteValue } from '../vote.entity';

export class CastVoteDto {
  @ApiProperty({ enum: VOTE_VALUES })
  @IsIn(VOTE_VALUES)
  value!: VoteValue;
}

export class VoteParamsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'id must be a UUID' })
  id!: string;

  @ApiProperty({ enum: DIMENSIONS })
  @IsIn(DIMENSIONS, { message: 'dimension must be one of: interesting, support' })
  dimension!: Dimension;
}

export class VoteResultDto {
  @ApiProperty({ type: TalliesDto })
  tallies!: TalliesDto;

  @ApiProperty({ enum: VOTE_VALUES, nullable: true, type: String })
  myVote!: VoteValue | null;
}
