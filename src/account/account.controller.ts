import { Body, Controller, Delete, Get, HttpCode } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { AccountService } from './account.service';
import { EraseAccountDto } from './dto/erase-account.dto';

/** The logged-in user's own account: export and erasure. */
@ApiTags('account')
@ApiBearerAuth()
@Controller('api/me')
export class AccountController {
  constructor(private readonly account: AccountService) {}

  @Get('export')
  @ApiOkResponse({ description: 'account, comments, votes, reports, notifications as JSON' })
  @ApiErrors(401)
  export(@CurrentUser() user: Principal): Promise<Record<string, unknown>> {
    return this.account.export(user.id);
  }

  @Delete()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Erased; the username stays reserved' })
  @ApiErrors(400, 401, 403)
  async erase(@CurrentUser() user: Principal, @Body() dto: EraseAccountDto): Promise<void> {
    await this.account.erase(user, dto.password);
  }
}
