import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { CommentsModule } from '../comments/comments.module';
import { UsersModule } from '../users/users.module';
import { ArticleFeedService } from './article-feed.service';
import { EventRelay } from './event-relay';
import { PresenceService } from './presence.service';
import { RealtimeGateway } from './realtime.gateway';
import { SocketLimitsService } from './socket-limits.service';

/** At the edge: listens to domain events, never imported by a feature module. */
@Module({
  imports: [AuthModule, UsersModule, CommentsModule],
  providers: [
    RealtimeGateway,
    EventRelay,
    ArticleFeedService,
    PresenceService,
    SocketLimitsService,
  ],
  exports: [EventRelay],
})
export class RealtimeModule {}
