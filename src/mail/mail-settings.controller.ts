import { Body, Controller, Get, HttpCode, Patch, Put } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { ChangeEmailDto, MailSettingsDto, UpdateMailSettingsDto } from './dto/mail-settings.dto';
import { MailService } from './mail.service';

/** The logged-in user's address and notification mails. */
@ApiTags('account')
@ApiBearerAuth()
@Controller('api/me')
export class MailSettingsController {
  constructor(private readonly mail: MailService) {}

  @Get('settings')
  @ApiOkResponse({ type: MailSettingsDto })
  @ApiErrors(401)
  settings(@CurrentUser() user: Principal): Promise<MailSettingsDto> {
    return this.mail.settings(user.id);
  }

  @Patch('settings')
  @ApiOkResponse({ type: MailSettingsDto })
  @ApiErrors(400, 401)
  update(
    @CurrentUser() user: Principal,
    @Body() dto: UpdateMailSettingsDto,
  ): Promise<MailSettingsDto> {
    return this.mail.updateSettings(user.id, dto.emailNotifications);
  }

  @Put('email')
  @HttpCode(202)
  @ApiAcceptedResponse({ description: 'A verification mail is on its way' })
  @ApiErrors(400, 401)
  async changeEmail(@CurrentUser() user: Principal, @Body() dto: ChangeEmailDto): Promise<void> {
    await this.mail.changeEmail(user.id, dto.email);
  }
}
