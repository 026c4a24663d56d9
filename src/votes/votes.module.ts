import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { ArticlesModule } from '../articles/articles.module';
import { Vote } from './vote.entity';
import { VotesController } from './votes.controller';
import { VotesRepository } from './votes.repository';
import { VotesService } from './votes.service';

@Module({
  imports: [ArticlesModule, MikroOrmModule.forFeature([Vote])],
  controllers: [VotesController],
  providers: [VotesService, VotesRepository],
  exports: [VotesService],
})
export class VotesModule {}
