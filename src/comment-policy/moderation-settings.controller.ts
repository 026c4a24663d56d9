import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/decorators/roles.decorator';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { type ModerationSettings, ModerationSettingsDto } from '../sites/moderation-settings';
import { ModerationSettingsService } from './moderation-settings.service';

/** The default moderation settings: for articles without a site, and sites without their own. */
@ApiTags('moderation')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/settings/moderation')
export class ModerationSettingsController {
  constructor(private readonly settings: ModerationSettingsService) {}

  @Get()
  @ApiOkResponse({ type: ModerationSettingsDto })
  @ApiErrors(401, 403)
  get(): Promise<ModerationSettings> {
    return this.settings.defaults();
  }

  @Put()
  @ApiOkResponse({ type: ModerationSettingsDto })
  @ApiErrors(400, 401, 403)
  put(@Body() dto: ModerationSettingsDto): Promise<ModerationSettings> {
    return this.settings.setDefaults(dto);
  }
}
