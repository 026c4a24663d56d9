import { ApiProperty } from '@nestjs/swagger';
import { IsIn, isIn, IsUUID, isUUID } from 'class-validator';
import { TalliesDto } from '../../articles/dto/article.dto';
import {
  fieldOf,
  unknownKeyMessages,
  VALIDATE_PLAIN,
} from '../../common/validation/hand-validated';
import { DIMENSIONS, type Dimension, VOTE_VALUES, type VoteValue } from '../vote.entity';

const VALUE_MESSAGE = `value must be one of the following values: ${VOTE_VALUES.join(', ')}`;
const ID_MESSAGE = 'id must be a UUID';
const DIMENSION_MESSAGE = `dimension must be one of: ${DIMENSIONS.join(', ')}`;

/** The vote route's DTOs are checked by hand (VALIDATE_PLAIN), as the decorators would. */
export class CastVoteDto {
  @ApiProperty({ enum: VOTE_VALUES })
  @IsIn(VOTE_VALUES)
  value!: VoteValue;

  static [VALIDATE_PLAIN](plain: unknown): CastVoteDto | string[] {
    const messages = unknownKeyMessages(plain, CAST_VOTE_KEYS);
    const value = fieldOf(plain, 'value');
    if (!isIn(value, VOTE_VALUES)) messages.push(VALUE_MESSAGE);
    if (messages.length > 0) return messages;
    return Object.assign(new CastVoteDto(), { value: value as VoteValue });
  }
}
const CAST_VOTE_KEYS: ReadonlySet<string> = new Set(['value']);

export class VoteParamsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: ID_MESSAGE })
  id!: string;

  @ApiProperty({ enum: DIMENSIONS })
  @IsIn(DIMENSIONS, { message: DIMENSION_MESSAGE })
  dimension!: Dimension;

  static [VALIDATE_PLAIN](plain: unknown): VoteParamsDto | string[] {
    const messages = unknownKeyMessages(plain, VOTE_PARAMS_KEYS);
    const id = fieldOf(plain, 'id');
    const dimension = fieldOf(plain, 'dimension');
    if (!isUUID(id, 'all')) messages.push(ID_MESSAGE);
    if (!isIn(dimension, DIMENSIONS)) messages.push(DIMENSION_MESSAGE);
    if (messages.length > 0) return messages;
    return Object.assign(new VoteParamsDto(), { id, dimension }) as VoteParamsDto;
  }
}
const VOTE_PARAMS_KEYS: ReadonlySet<string> = new Set(['id', 'dimension']);

export class VoteResultDto {
  @ApiProperty({ type: TalliesDto })
  tallies!: TalliesDto;

  @ApiProperty({ enum: VOTE_VALUES, nullable: true, type: String })
  myVote!: VoteValue | null;
}
