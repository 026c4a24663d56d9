import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { Article } from './article.entity';
import { ArticlesController } from './articles.controller';
import { ArticlesService } from './articles.service';
import { DemoSeed } from './demo/demo-seed.service';
import { FollowUp } from './follow-up.entity';

@Module({
  imports: [MikroOrmModule.forFeature([Article, FollowUp])],
  controllers: [ArticlesController],
  providers: [ArticlesService, DemoSeed],
  exports: [ArticlesService],
})
export class ArticlesModule {}
