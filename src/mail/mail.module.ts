import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { DigestsRepository } from './digests.repository';
import { MailDigest } from './mail-digest.entity';
import { MailDigests } from './mail-digests.service';
import { MailLinksController } from './mail-links.controller';
import { MailSettingsController } from './mail-settings.controller';
import { MailTransport } from './mail-transport.service';
import { MailRepository } from './mail.repository';
import { MailService } from './mail.service';

/**
 * E-mail: settings, address verification, notification mails as jobs (batched per user per
 * minute, or a daily digest), one-click unsubscribe.
 */
@Module({
  imports: [MikroOrmModule.forFeature([MailDigest])],
  controllers: [MailSettingsController, MailLinksController],
  providers: [MailService, MailDigests, DigestsRepository, MailRepository, MailTransport],
  exports: [MailService, MailDigests],
})
export class MailModule {}
