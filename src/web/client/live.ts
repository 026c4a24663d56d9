import { io, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  CommentPayload,
  ReplayedEvent,
  ReportCreatedEvent,
  ServerToClientEvents,
  SubscribeResult,
  Tallies,
} from '../../realtime/contract';
import type { PageContext } from './context';

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What the page does with live events. */
export interface LiveHandlers {
  tallies(tallies: Tallies, version?: number): void;
  created(comment: CommentPayload): void;
  updated(comment: CommentPayload): void;
  removed(commentId: string, status: 'removed' | 'deleted'): void;
  readers(count: number): void;
  commentCount(count: number): void;
  reported(event: ReportCreatedEvent): void;
  /** Too much was missed: reload the comments over REST. */
  resync(): Promise<void>;
  /** After a reconnect: how many comment events arrived in `missed`. */
  caughtUp(missed: number): void;
}

/**
 * The article's live feed over Socket.IO. Subscribes `since` the last comment event seen
 * (the page's own seq at first), so nothing between the page render and the socket, or
 * during a disconnection, is lost; events are applied once, in seq order.
 */
export class LiveFeed {
  private readonly socket: LiveSocket;
  private lastSeq: number;
  private connectedBefore = false;

  constructor(
    private readonly ctx: PageContext,
    seq: number,
    private readonly on: LiveHandlers,
  ) {
    this.lastSeq = seq;
    this.socket = io({
      // read at every (re)connection, so a refreshed or new token is used
      auth: (callback) => callback(ctx.api.accessToken ? { token: ctx.api.accessToken } : {}),
      transports: ['websocket', 'polling'],
    });
    this.socket.on('connect', () => void this.subscribe());
    this.socket.on('connect_error', (error) => void this.connectFailed(error));
    this.socket.on('session.expired', () => void this.refreshAndReconnect());
    this.socket.on('tally', (event) => this.on.tallies(event.tallies, event.version));
    this.socket.on('presence', (event) => this.on.readers(event.readers));
    this.socket.on('report.created', (event) => this.on.reported(event));
    this.socket.on('comment.created', (event) => this.apply({ type: 'comment.created', ...event }));
    this.socket.on('comment.updated', (event) => this.apply({ type: 'comment.updated', ...event }));
    this.socket.on('comment.removed', (event) => this.apply({ type: 'comment.removed', ...event }));
  }

  /** After sign-in or sign-out: reconnect as the new identity (moderators get reports). */
  reconnect(): void {
    this.connectedBefore = false; // asked for: nothing to announce
    this.socket.disconnect();
    this.socket.connect();
  }

  private async subscribe(): Promise<void> {
    const ack = await this.socket
      .timeout(10_000)
      .emitWithAck('subscribe', { articleId: this.ctx.articleId, since: this.lastSeq })
      .catch(() => null);
    if (!ack) return void this.socket.disconnect().connect();
    if (!ack.ok) return this.ctx.announce(`Live updates are unavailable: ${ack.error.message}`);
    this.caughtUp(ack);
  }

  private caughtUp(ack: SubscribeResult): void {
    this.on.tallies(ack.tallies);
    this.on.readers(ack.readers);
    this.on.commentCount(ack.commentCount);
    if (ack.resync) {
      this.lastSeq = ack.seq;
      void this.on.resync();
    } else {
      ack.missed.forEach((event) => this.apply(event));
      this.lastSeq = Math.max(this.lastSeq, ack.seq);
    }
    if (this.connectedBefore) this.on.caughtUp(ack.resync ? -1 : ack.missed.length);
    this.connectedBefore = true;
  }

  private apply(event: ReplayedEvent): void {
    // an event the replay already brought (or the page already shows)
    if (event.seq <= this.lastSeq) return;
    this.lastSeq = event.seq;
    if (event.type === 'comment.created') this.on.created(event.comment);
    else if (event.type === 'comment.updated') this.on.updated(event.comment);
    else this.on.removed(event.commentId, event.status);
  }

  private async connectFailed(error: Error): Promise<void> {
    if (error.message !== 'unauthorized') return; // socket.io retries by itself
    const refreshed = await this.ctx.api.refresh();
    // with a fresh token, or as an anonymous reader when the session is gone
    if (refreshed || !this.ctx.api.signedIn) this.socket.connect();
    else this.ctx.announce('Live updates are paused: please reload the page.');
  }

  private async refreshAndReconnect(): Promise<void> {
    await this.ctx.api.refresh();
    this.reconnect();
  }
}
