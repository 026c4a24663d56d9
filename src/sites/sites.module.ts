import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { AllowedOrigins } from './allowed-origins.service';
import { ApiKeysService } from './api-keys.service';
import { SiteApiKey } from './site-api-key.entity';
import { Site } from './site.entity';
import { SitesController } from './sites.controller';
import { SitesRepository } from './sites.repository';
import { SitesService } from './sites.service';

/**
 * Publishers' sites: origins, SSO keys, API keys, moderation settings. Below users, auth and
 * articles, which look sites up; it imports none of them.
 */
@Module({
  imports: [MikroOrmModule.forFeature([Site, SiteApiKey])],
  controllers: [SitesController],
  providers: [SitesService, SitesRepository, ApiKeysService, AllowedOrigins],
  exports: [SitesService, ApiKeysService, AllowedOrigins],
})
export class SitesModule {}
