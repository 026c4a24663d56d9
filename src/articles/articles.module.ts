import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { Article } from './article.entity';
import { ArticlesController } from './articles.controller';
import { ArticlesService } from './articles.service';
import { CountsCache } from './counts-cache';
import { DemoSeed } from './demo/demo-seed.service';
import { ExternalArticlesRepository } from './external-articles.repository';
import { FollowUp } from './follow-up.entity';
import { SiteArticlesController } from './site-articles.controller';
import { SiteArticlesService } from './site-articles.service';
import { SitesModule } from '../sites/sites.module';

@Module({
  imports: [MikroOrmModule.forFeature([Article, FollowUp]), SitesModule],
  controllers: [ArticlesController, SiteArticlesController],
  providers: [
    ArticlesService,
    CountsCache,
    DemoSeed,
    SiteArticlesService,
    ExternalArticlesRepository,
  ],
  exports: [ArticlesService, SiteArticlesService],
})
export class ArticlesModule {}
