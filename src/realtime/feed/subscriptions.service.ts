import { Injectable, Logger } from '@nestjs/common';
import { DomainEventBus } from '../../common/events/domain-event-bus';
import { StreamEpoch } from '../../comments/stream-epoch.service';
import { MetricsService } from '../../metrics/metrics.service';
import { PresenceService } from '../fanout/presence.service';
import { type Ack, MAX_REPLAY, type ReplayedEvent, type SubscribeResult } from '../contract';
import { encodedLength } from '../transport/ack-encoder';
import { SocketServer } from '../transport/socket-server';
import { ReplayBudget, type ReplayTicket } from '../transport/replay-budget.service';
import type { SubscribeDto, UnsubscribeDto } from '../transport/socket-payloads.dto';
import { failureAck, fail } from '../transport/socket-validation';
import { articleRoom, type TownhallSocket } from '../transport/socket-types';
import { ArticleFeeds } from './article-feeds.service';
import { FeedReads } from './feed-reads';

export const MAX_SUBSCRIPTIONS = 50;
/** subscribe/unsubscribe calls of one socket waiting for their turn; more: rate_limited. */
export const MAX_WAITING_TURNS = 256;

/**
 * A socket's article subscriptions. A subscribe replays `since` from the event log, then joins
 * the room at the exact moment the room has been sent everything the replay covers: no gap, no
 * duplicate, missed events before live ones.
 */
@Injectable()
export class Subscriptions {
  private readonly logger = new Logger(Subscriptions.name);

  constructor(
    private readonly feeds: ArticleFeeds,
    private readonly reads: FeedReads,
    private readonly presence: PresenceService,
    private readonly metrics: MetricsService,
    private readonly epochs: StreamEpoch,
    private readonly budget: ReplayBudget,
    private readonly bus: DomainEventBus,
    private readonly sockets: SocketServer,
  ) {}

  subscribe(socket: TownhallSocket, dto: SubscribeDto): Promise<Ack<SubscribeResult>> {
    return inTurn(socket, async () => {
      const subscriptions = socket.data.subscriptions;
      if (subscriptions.has(dto.articleId)) {
        // a resubscribe (e.g. with a newer `since`): start over
        subscriptions.delete(dto.articleId);
        await socket.leave(articleRoom(dto.articleId));
        this.left(dto.articleId);
      }
      if (subscriptions.size >= MAX_SUBSCRIPTIONS) {
        return fail(
          'too_many_subscriptions',
          `at most ${MAX_SUBSCRIPTIONS} subscriptions per connection`,
        );
      }
      const ticket = dto.since === undefined ? null : this.budget.start(socket);
      if (typeof ticket === 'string') {
        return fail('rate_limited', `too many replays at once (${ticket}); retry in a moment`);
      }
      try {
        return await this.join(socket, dto, ticket);
      } catch (error) {
        this.logger.error(`subscribe failed: ${(error as Error).stack}`);
        return failureAck(error, 'subscribe');
      } finally {
        ticket?.cancel();
      }
    });
  }

  unsubscribe(socket: TownhallSocket, dto: UnsubscribeDto): Promise<Ack> {
    return inTurn(socket, async () => {
      if (socket.data.subscriptions.delete(dto.articleId)) {
        await socket.leave(articleRoom(dto.articleId));
        this.left(dto.articleId);
      }
      return { ok: true as const };
    });
  }

  /** A disconnected socket: every subscription ends (the rooms are left by Socket.IO). */
  dropAll(socket: TownhallSocket): void {
    for (const articleId of socket.data.subscriptions ?? []) this.left(articleId);
    socket.data.subscriptions?.clear();
  }

  private async join(
    socket: TownhallSocket,
    dto: SubscribeDto,
    ticket: ReplayTicket | null,
  ): Promise<Ack<SubscribeResult>> {
    const { articleId } = dto;
    // the article's events flow here before its snapshot is read: none falls in between
    await this.bus.follow(articleId);
    let joined = false;
    try {
      return await this.joinFollowed(socket, dto, ticket, () => (joined = true));
    } finally {
      if (!joined) this.bus.unfollow(articleId);
    }
  }

  private async joinFollowed(
    socket: TownhallSocket,
    dto: SubscribeDto,
    ticket: ReplayTicket | null,
    onJoined: () => void,
  ): Promise<Ack<SubscribeResult>> {
    const { articleId, since } = dto;
    const epoch = await this.epochs.current();
    const snapshot = await this.reads.snapshot(articleId);
    if (!snapshot) return fail('not_found', 'article not found');
    const feed = this.feeds.hold(snapshot);
    let joined = false;
    try {
      await feed.catchUp(snapshot.seq);
      const missed: ReplayedEvent[] = [];
      let resync =
        (dto.epoch !== undefined && dto.epoch !== epoch) ||
        (since !== undefined && (since > feed.lastSeq || feed.lastSeq - since > MAX_REPLAY));
      if (since !== undefined && !resync) {
        let upTo = since;
        // the room may move on while we read: read again until our replay ends where it stands
        const readOn = async (): Promise<boolean> => {
          while (upTo < feed.lastSeq) {
            const target = feed.lastSeq;
            missed.push(...(await this.reads.replay(articleId, upTo, target)));
            upTo = target;
            if (feed.lastSeq - since > MAX_REPLAY) return false;
          }
          return true;
        };
        resync = !(await readOn());
        if (!resync && missed.length > 0) {
          const bytes = encodedLength(missed);
          const spent = ticket?.charge(bytes);
          if (spent) return fail('rate_limited', `too many replays (${spent}); retry in a moment`);
          // wait for this replay's turn to be sent, then take what came meanwhile
          if (!(await this.budget.paced(socket, bytes))) {
            return fail('rate_limited', 'too many replays waiting (queue); retry in a moment');
          }
          resync = !(await readOn());
        }
      }
      if (!socket.connected) return fail('internal', 'disconnected');
      // synchronous from here: no room emit can slip between the join and the ack (and the
      // room's emits still waiting for the end of the tick go out before it joins)
      this.sockets.join(socket, articleRoom(articleId));
      socket.data.subscriptions.add(articleId);
      joined = true;
      onJoined();
      this.presence.joined(articleId);
      this.metrics.subscriptions.inc();
      if (!resync) ticket?.hold(encodedLength(missed));
      const newer = feed.tally.version > snapshot.talliesVersion;
      return {
        ok: true,
        seq: feed.lastSeq,
        epoch,
        tallies: newer ? feed.tally.tallies : snapshot.tallies,
        version: newer ? feed.tally.version : snapshot.talliesVersion,
        commentCount: snapshot.commentCount,
        readers: this.presence.readers(articleId),
        missed: resync ? [] : missed,
        ...(resync ? { resync: true as const } : {}),
      };
    } finally {
      if (!joined) this.feeds.release(articleId);
    }
  }

  private left(articleId: string): void {
    this.feeds.release(articleId);
    this.bus.unfollow(articleId);
    this.presence.left(articleId);
    this.metrics.subscriptions.dec();
  }
}

/**
 * Runs a socket's subscription changes one at a time: two subscribes in flight together would
 * both pass the duplicate and the 50-subscription checks before either is counted. At most
 * MAX_WAITING_TURNS wait; a client sending faster than they are answered is refused.
 */
function inTurn<T>(socket: TownhallSocket, work: () => Promise<T | Ack<never>>) {
  if ((socket.data.waitingTurns ?? 0) >= MAX_WAITING_TURNS) {
    return Promise.resolve(fail('rate_limited', 'too many subscribe calls waiting; slow down'));
  }
  socket.data.waitingTurns = (socket.data.waitingTurns ?? 0) + 1;
  const run = (socket.data.turn ?? Promise.resolve()).then(work).finally(() => {
    socket.data.waitingTurns!--;
  });
  socket.data.turn = run.catch(() => undefined);
  return run;
}
