import { Body, Controller, Delete, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Roles } from '../common/decorators/roles.decorator';
import { UuidParam } from '../common/decorators/uuid-param.decorator';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { BanUserDto } from './dto/ban-user.dto';
import { ChangeRoleDto } from './dto/change-role.dto';
import { UserDto } from './dto/user.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Patch(':id')
  @Roles('admin')
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 401, 403, 404)
  async changeRole(
    @CurrentUser() actor: Principal,
    @UuidParam('id') id: string,
    @Body() dto: ChangeRoleDto,
  ): Promise<UserDto> {
    return UserDto.from(await this.users.changeRole(actor, id, dto.role));
  }

  @Post(':id/ban')
  @HttpCode(200)
  @Roles('moderator', 'admin')
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 401, 403, 404)
  async ban(
    @CurrentUser() actor: Principal,
    @UuidParam('id') id: string,
    @Body() dto: BanUserDto,
  ): Promise<UserDto> {
    const until = dto.until === undefined ? null : new Date(dto.until);
    return UserDto.from(await this.users.ban(actor, id, dto.reason, until));
  }

  @Delete(':id/ban')
  @Roles('moderator', 'admin')
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 401, 403, 404)
  async unban(@CurrentUser() actor: Principal, @UuidParam('id') id: string): Promise<UserDto> {
    return UserDto.from(await this.users.unban(actor, id));
  }
}
