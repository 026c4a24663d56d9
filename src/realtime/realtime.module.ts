import { Module } from '@nestjs/common';
import { ArticlesModule } from '../articles/articles.module';
import { AuthModule } from '../auth/auth.module';
import { CommentsModule } from '../comments/comments.module';
import { UsersModule } from '../users/users.module';
import { EventRelay } from './fanout/event-relay';
import { PresenceService } from './fanout/presence.service';
import { ArticleFeeds } from './feed/article-feeds.service';
import { CountWatches } from './feed/count-watches.service';
import { FeedReads } from './feed/feed-reads';
import { FeedSweeper } from './feed/feed-sweeper';
import { Subscriptions } from './feed/subscriptions.service';
import { RealtimeStats } from './realtime-stats';
import { ReplayBudget } from './transport/replay-budget.service';
import { CountsListener } from './listeners/counts.listener';
import { ErasureListener } from './listeners/erasure.listener';
import { FeedListener } from './listeners/feed.listener';
import { ModeratorsListener } from './listeners/moderators.listener';
import { NotificationsListener } from './listeners/notifications.listener';
import { SessionsListener } from './listeners/sessions.listener';
import { RealtimeGateway } from './realtime.gateway';
import { HandshakeAuth } from './transport/handshake-auth.service';
import { SocketLimitsService } from './transport/socket-limits.service';
import { SocketServer } from './transport/socket-server';
import { SocketSessions } from './transport/socket-sessions.service';

/**
 * At the edge: turns domain events into socket emits, never imported by a feature module.
 *   transport/  Socket.IO: adapter, handshake, per-connection limits, acks, the server handle
 *   feed/       per-article subscriptions, seq replay, gap repair, tally coalescing, count watches
 *   fanout/     the relay between instances (the event bus's transport), presence
 *   listeners/  one per concern: domain events → emits
 */
@Module({
  imports: [AuthModule, UsersModule, ArticlesModule, CommentsModule],
  providers: [
    RealtimeGateway,
    SocketServer,
    HandshakeAuth,
    SocketSessions,
    SocketLimitsService,
    ReplayBudget,
    EventRelay,
    PresenceService,
    ArticleFeeds,
    FeedReads,
    FeedSweeper,
    Subscriptions,
    CountWatches,
    FeedListener,
    CountsListener,
    ModeratorsListener,
    NotificationsListener,
    ErasureListener,
    SessionsListener,
    RealtimeStats,
  ],
})
export class RealtimeModule {}
