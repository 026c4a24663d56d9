import { ApiProperty } from '@nestjs/swagger';
import { UserDto } from '../../users/dto/user.dto';
import type { Session } from '../auth.service';

export class TokensDto {
  @ApiProperty({ description: 'JWT (HS256), valid 15 minutes' })
  accessToken!: string;

  @ApiProperty({ description: 'Opaque, single use, valid 30 days' })
  refreshToken!: string;

  static from(session: Session): TokensDto {
    return { accessToken: session.accessToken, refreshToken: session.refreshToken };
  }
}

export class SessionDto extends TokensDto {
  @ApiProperty({ type: UserDto })
  user!: UserDto;

  static override from(session: Session): SessionDto {
    return { user: UserDto.from(session.user), ...TokensDto.from(session) };
  }
}
