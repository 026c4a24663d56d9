import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '../common/decorators/roles.decorator';
import { UuidParam } from '../common/decorators/uuid-param.decorator';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import type { Page } from '../common/pagination/cursor';
import { PageOf } from '../common/pagination/page.dto';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { ApiKeysService } from './api-keys.service';
import {
  ApiKeyDto,
  CreateApiKeyDto,
  CreatedApiKeyDto,
  CreatedSiteDto,
  CreateSiteDto,
  SiteDto,
  SsoSecretDto,
  UpdateSiteDto,
} from './dto/site.dto';
import type { ApiKeyRecord, SiteRecord } from './sites.repository';
import { SitesService } from './sites.service';

/** Sites, their SSO secret and their API keys: for admins. */
@ApiTags('sites')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/sites')
export class SitesController {
  constructor(
    private readonly sites: SitesService,
    private readonly keys: ApiKeysService,
  ) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedSiteDto })
  @ApiErrors(400, 401, 403)
  async create(@Body() dto: CreateSiteDto): Promise<CreatedSiteDto> {
    const { site, ssoSecret } = await this.sites.create(dto);
    return { ...siteDto(site), ssoSecret };
  }

  @Get()
  @ApiOkResponse({ type: PageOf(SiteDto) })
  @ApiErrors(400, 401, 403)
  async list(@Query() query: PageQueryDto): Promise<Page<SiteDto>> {
    const page = await this.sites.list(query.limit, query.cursor);
    return { items: page.items.map(siteDto), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOkResponse({ type: SiteDto })
  @ApiErrors(400, 401, 403, 404)
  async get(@UuidParam('id') id: string): Promise<SiteDto> {
    return siteDto(await this.sites.get(id));
  }

  @Patch(':id')
  @ApiOkResponse({ type: SiteDto })
  @ApiErrors(400, 401, 403, 404)
  async update(@UuidParam('id') id: string, @Body() dto: UpdateSiteDto): Promise<SiteDto> {
    return siteDto(await this.sites.update(id, dto));
  }

  @Post(':id/sso-secret')
  @ApiCreatedResponse({ type: SsoSecretDto })
  @ApiErrors(400, 401, 403, 404)
  async rotateSsoSecret(@UuidParam('id') id: string): Promise<SsoSecretDto> {
    return { ssoSecret: await this.sites.rotateSsoSecret(id) };
  }

  @Post(':id/keys')
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiErrors(400, 401, 403, 404)
  async createKey(
    @UuidParam('id') id: string,
    @Body() dto: CreateApiKeyDto,
  ): Promise<CreatedApiKeyDto> {
    const key = await this.keys.create(id, dto.name);
    return { id: key.id, name: key.name, key: key.key, createdAt: key.createdAt.toISOString() };
  }

  @Get(':id/keys')
  @ApiOkResponse({ type: PageOf(ApiKeyDto) })
  @ApiErrors(400, 401, 403, 404)
  async listKeys(
    @UuidParam('id') id: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<ApiKeyDto>> {
    const page = await this.keys.list(id, query.limit, query.cursor);
    return { items: page.items.map(keyDto), nextCursor: page.nextCursor };
  }

  @Delete(':id/keys/:keyId')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The key stops working at once, on every instance' })
  @ApiErrors(400, 401, 403, 404)
  async revokeKey(@UuidParam('id') id: string, @UuidParam('keyId') keyId: string): Promise<void> {
    await this.keys.revoke(id, keyId);
  }
}

function siteDto(site: SiteRecord): SiteDto {
  return { ...site, createdAt: site.createdAt.toISOString() };
}

function keyDto(key: ApiKeyRecord): ApiKeyDto {
  return {
    id: key.id,
    name: key.name,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt ? key.lastUsedAt.toISOString() : null,
  };
}
