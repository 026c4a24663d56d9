import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CommentsModule } from '../comments/comments.module';
import { CommentDecisionsController } from './comment-decisions.controller';
import { CommentDecisions } from './comment-decisions.service';
import { ModerationController } from './moderation.controller';
import { ModerationRepository } from './moderation.repository';
import { ModerationService } from './moderation.service';
import { Report } from './report.entity';

@Module({
  imports: [CommentsModule, AuditModule, MikroOrmModule.forFeature([Report])],
  controllers: [ModerationController, CommentDecisionsController],
  providers: [ModerationService, ModerationRepository, CommentDecisions],
})
export class ModerationModule {}
