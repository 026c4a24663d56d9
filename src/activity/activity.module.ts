import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { ActivityDrainer } from './activity-drainer.service';
import { ActivityRepository } from './activity.repository';
import { OutboxEntry } from './outbox-entry.entity';

/**
 * What comments' changes set off, durably: the database's triggers record each change in the
 * activity outbox with the change; the drainer turns it into notifications and webhook jobs.
 */
@Module({
  imports: [
    NotificationsModule,
    WebhooksModule,
    MailModule,
    MikroOrmModule.forFeature([OutboxEntry]),
  ],
  providers: [ActivityDrainer, ActivityRepository],
})
export class ActivityModule {}
