import { Module } from '@nestjs/common';
import { MailLinksController } from './mail-links.controller';
import { MailSettingsController } from './mail-settings.controller';
import { MailTransport } from './mail-transport.service';
import { MailRepository } from './mail.repository';
import { MailService } from './mail.service';

/** E-mail: settings, address verification, notification mails as jobs, one-click unsubscribe. */
@Module({
  controllers: [MailSettingsController, MailLinksController],
  providers: [MailService, MailRepository, MailTransport],
  exports: [MailService],
})
export class MailModule {}
