import { Module } from '@nestjs/common';
import { CommentsModule } from '../comments/comments.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { UsersModule } from '../users/users.module';
import { VotesModule } from '../votes/votes.module';
import { AccountController } from './account.controller';
import { AccountRepository } from './account.repository';
import { AccountService } from './account.service';

/** Self-service: a user's export and erasure, through the features that own each kind of data. */
@Module({
  imports: [UsersModule, CommentsModule, VotesModule, NotificationsModule],
  controllers: [AccountController],
  providers: [AccountService, AccountRepository],
})
export class AccountModule {}
