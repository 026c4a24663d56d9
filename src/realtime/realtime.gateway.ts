import { BadRequestException, Inject, Logger } from '@nestjs/common';
import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { TokenService } from '../auth/token.service';
import type { Principal } from '../common/auth/principal';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { createValidationPipe } from '../common/validation/validation.pipe';
import { MetricsService } from '../metrics/metrics.service';
import '../moderation/moderation.events';
import type { UserChangedEvent } from '../users/user.events';
import { UsersService } from '../users/users.service';
import { ArticleFeedService, articleRoom, talliesOf } from './article-feed.service';
import {
  type Ack,
  type ClientToServerEvents,
  type ErrorCode,
  MAX_REPLAY,
  type ReplayedEvent,
  type ServerToClientEvents,
  type SubscribeResult,
} from './contract';
import { SubscribeDto, UnsubscribeDto } from './dto/subscription.dto';
import { EventRelay } from './event-relay';
import { handshakeError } from './handshake-error';
import { PresenceService } from './presence.service';
import { SocketLimitsService } from './socket-limits.service';
import { sessionChange } from './session-change';

export const MAX_SUBSCRIPTIONS = 50;
const MODERATORS_ROOM = 'moderators';
const userRoom = (userId: string): string => `user:${userId}`;

interface SocketData {
  user: Principal | null;
  subscriptions: Set<string>;
  /** This socket's subscribe/unsubscribe calls run one after another (see `inTurn`). */
  turn?: Promise<unknown>;
  expiryTimer?: NodeJS.Timeout;
}
type TownhallServer = Server<ClientToServerEvents, ServerToClientEvents, object, SocketData>;
type TownhallSocket = Socket<ClientToServerEvents, ServerToClientEvents, object, SocketData>;

const fail = (code: ErrorCode, message: string): Ack<never> => ({
  ok: false,
  error: { code, message },
});

/**
 * Live updates. Handlers validate with the HTTP DTO machinery, act, and answer through the
 * acknowledgement; broadcasts come from ArticleFeedService (one local room emit per event).
 */
@WebSocketGateway()
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  @WebSocketServer()
  private server!: TownhallServer;
  private readonly logger = new Logger(RealtimeGateway.name);
  private readonly validation = createValidationPipe();

  constructor(
    private readonly tokens: TokenService,
    private readonly users: UsersService,
    private readonly feeds: ArticleFeedService,
    private readonly presence: PresenceService,
    private readonly metrics: MetricsService,
    private readonly limits: SocketLimitsService,
    private readonly orm: MikroORM,
    @Inject(EventRelay) relay: EventRelay,
    bus: DomainEventBus,
  ) {
    relay.onMessage((message) => {
      if (message.kind === 'user') void this.onUserChanged(message.event);
    });
    relay.onConnectionState((connected) => this.metrics.redisUp.set(connected ? 1 : 0));
    this.metrics.redisUp.set(relay.redisConnected ? 1 : 0);
    // the adapter carries it to the moderators of every instance
    bus.on('report.created', (event) => {
      this.server?.to(MODERATORS_ROOM).emit('report.created', event);
      this.metrics.eventsSent.inc({ type: 'report.created' });
    });
  }

  afterInit(server: TownhallServer): void {
    this.feeds.attach(server);
    this.presence.attach(server);
    this.limits.attach(server);
    // the handshake request (headers, buffers) is not needed once the socket is open
    server.engine.on('connection', (raw: { request: unknown }) => {
      raw.request = null;
    });
    server.use((socket, next) => {
      this.authenticate(socket as TownhallSocket).then(
        () => next(),
        (error: unknown) => next(handshakeError(error)),
      );
    });
  }

  handleConnection(socket: TownhallSocket): void {
    socket.data.subscriptions = new Set();
    this.limits.limitEvents(socket);
    const user = socket.data.user;
    if (user) {
      void socket.join(userRoom(user.id));
      if (user.role !== 'reader' && !user.banned) void socket.join(MODERATORS_ROOM);
    }
    this.metrics.socketsConnected.inc();
  }

  handleDisconnect(socket: TownhallSocket): void {
    if (socket.data.expiryTimer) clearTimeout(socket.data.expiryTimer);
    for (const articleId of socket.data.subscriptions ?? []) this.leave(articleId);
    socket.data.subscriptions?.clear();
    this.metrics.socketsConnected.dec();
  }

  @SubscribeMessage('subscribe')
  async subscribe(
    @ConnectedSocket() socket: TownhallSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<SubscribeResult>> {
    const dto = await this.validate(SubscribeDto, body);
    if ('ok' in dto) return dto;
    return this.inTurn(socket, () => this.subscribeValid(socket, dto));
  }

  private async subscribeValid(
    socket: TownhallSocket,
    dto: SubscribeDto,
  ): Promise<Ack<SubscribeResult>> {
    const subscriptions = socket.data.subscriptions;
    if (subscriptions.has(dto.articleId)) {
      // a resubscribe (e.g. with a newer `since`): start over
      subscriptions.delete(dto.articleId);
      await socket.leave(articleRoom(dto.articleId));
      this.leave(dto.articleId);
    }
    if (subscriptions.size >= MAX_SUBSCRIPTIONS) {
      return fail(
        'too_many_subscriptions',
        `at most ${MAX_SUBSCRIPTIONS} subscriptions per connection`,
      );
    }
    try {
      return await this.join(socket, dto);
    } catch (error) {
      this.logger.error(`subscribe failed: ${(error as Error).stack}`);
      return fail('internal', 'subscribe failed; try again');
    }
  }

  @SubscribeMessage('unsubscribe')
  async unsubscribe(
    @ConnectedSocket() socket: TownhallSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack> {
    const dto = await this.validate(UnsubscribeDto, body);
    if ('ok' in dto) return dto;
    return this.inTurn(socket, async () => {
      if (socket.data.subscriptions.delete(dto.articleId)) {
        await socket.leave(articleRoom(dto.articleId));
        this.leave(dto.articleId);
      }
      return { ok: true as const };
    });
  }

  /**
   * Runs a socket's subscription changes one at a time: two subscribes in flight together
   * would both pass the duplicate and the 50-subscription checks before either is counted.
   */
  private inTurn<T>(socket: TownhallSocket, work: () => Promise<T>): Promise<T> {
    const run = (socket.data.turn ?? Promise.resolve()).then(work);
    socket.data.turn = run.catch(() => undefined);
    return run;
  }

  /**
   * Replays `since` from the event log, then joins the room at the exact moment the room has
   * been sent everything the replay covers: no gap, no duplicate, missed before live.
   */
  private async join(socket: TownhallSocket, dto: SubscribeDto): Promise<Ack<SubscribeResult>> {
    const { articleId, since } = dto;
    const snapshot = await this.feeds.snapshot(articleId);
    if (!snapshot) return fail('not_found', 'article not found');
    const feed = this.feeds.hold(articleId, snapshot);
    let joined = false;
    try {
      await this.feeds.catchUp(articleId, feed, snapshot.comment_seq);
      const missed: ReplayedEvent[] = [];
      let resync =
        since !== undefined && (since > feed.lastSeq || feed.lastSeq - since > MAX_REPLAY);
      if (since !== undefined && !resync) {
        // the room may move on while we read: read again until our replay ends where it stands
        for (let upTo = since; upTo < feed.lastSeq;) {
          const target = feed.lastSeq;
          missed.push(...(await this.feeds.replay(articleId, upTo, target)));
          upTo = target;
          if (feed.lastSeq - since > MAX_REPLAY) {
            resync = true;
            break;
          }
        }
      }
      if (!socket.connected) return fail('internal', 'disconnected');
      // synchronous from here: no room emit can slip between the join and the ack
      void socket.join(articleRoom(articleId));
      socket.data.subscriptions.add(articleId);
      joined = true;
      this.presence.joined(articleId);
      this.metrics.subscriptions.inc();
      const newer = feed.tally.version > snapshot.tallies_version;
      return {
        ok: true,
        seq: feed.lastSeq,
        tallies: newer ? feed.tally.tallies : talliesOf(snapshot),
        commentCount: snapshot.comment_count,
        readers: this.presence.readers(articleId),
        missed: resync ? [] : missed,
        ...(resync ? { resync: true as const } : {}),
      };
    } finally {
      if (!joined) this.feeds.release(articleId);
    }
  }

  private leave(articleId: string): void {
    this.feeds.release(articleId);
    this.presence.left(articleId);
    this.metrics.subscriptions.dec();
  }

  /** No token: an anonymous reader. A bad or expired one: refused ("unauthorized"). */
  private async authenticate(socket: TownhallSocket): Promise<void> {
    const token: unknown = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    socket.data.user = null;
    if (token === undefined || token === null) return;
    const claims = typeof token === 'string' ? this.tokens.verifyAccessToken(token) : null;
    if (!claims) throw new Error('unauthorized');
    const user = await RequestContext.create(this.orm.em, () => this.users.findById(claims.sub));
    if (!user) throw new Error('unauthorized');
    socket.data.user = {
      id: user.id,
      username: user.username,
      role: user.role,
      banned: user.isBanned(),
    };
    socket.data.expiryTimer = setTimeout(
      () => {
        socket.emit('session.expired', {
          reason: 'token_expired',
          message: 'access token expired: refresh it and reconnect with the new one',
        });
        socket.disconnect(true);
      },
      claims.exp * 1000 - Date.now(),
    );
  }

  /** A role change or ban: this instance's sockets of that user follow at once, and are told. */
  private async onUserChanged(event: UserChangedEvent): Promise<void> {
    const sockets = await this.server.local.in(userRoom(event.userId)).fetchSockets();
    for (const socket of sockets) {
      const user = socket.data.user;
      if (!user) continue;
      const change = sessionChange(user, event);
      if (change) socket.emit('session.changed', change);
      user.role = event.role;
      user.banned = event.banned;
      if (event.role !== 'reader' && !event.banned) socket.join(MODERATORS_ROOM);
      else socket.leave(MODERATORS_ROOM);
    }
  }

  private async validate<T extends object>(
    type: new () => T,
    body: unknown,
  ): Promise<T | Ack<never>> {
    try {
      return (await this.validation.transform(body ?? {}, { type: 'body', metatype: type })) as T;
    } catch (error) {
      if (error instanceof BadRequestException) {
        const message = (error.getResponse() as { message?: string | string[] }).message;
        return fail(
          'bad_request',
          Array.isArray(message) ? message.join('; ') : String(message ?? 'bad request'),
        );
      }
      throw error;
    }
  }
}
