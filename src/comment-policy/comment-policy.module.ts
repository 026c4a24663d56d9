import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { CommentPolicy } from './comment-policy.service';
import { ModerationDefaults } from './moderation-defaults.entity';
import { ModerationSettingsController } from './moderation-settings.controller';
import { ModerationSettingsService } from './moderation-settings.service';
import { PolicyRepository } from './policy.repository';

/**
 * Moderation settings in force (a site's or the defaults, compiled once per version) and the
 * decisions they make on new comments and edits. Below comments, which ask it; it reads
 * articles and sites but imports neither feature.
 */
@Module({
  imports: [MikroOrmModule.forFeature([ModerationDefaults])],
  controllers: [ModerationSettingsController],
  providers: [CommentPolicy, ModerationSettingsService, PolicyRepository],
  exports: [CommentPolicy],
})
export class CommentPolicyModule {}
