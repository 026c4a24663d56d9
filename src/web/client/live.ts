import { io, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  CommentPayload,
  CommentPendingEvent,
  NotificationEvent,
  ReplayedEvent,
  CommentScoreEvent,
  ReportCreatedEvent,
  ServerToClientEvents,
  SubscribeResult,
  Tallies,
} from '../../realtime/contract';
import { catalogue } from '../i18n';
import type { PageContext } from './context';

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Subscribe retries wait 0.5 s, 1 s, 2 s, … up to 30 s, each times a random 0.5–1. */
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 30_000;
/** The token is refreshed and sent with `reauth` this long before it expires. */
const REAUTH_AHEAD_MS = 60_000;
/** Ack codes after which the same subscribe may succeed later. */
const RETRYABLE = new Set(['unavailable', 'rate_limited', 'internal']);

/** What the page does with live events. */
export interface LiveHandlers {
  tallies(tallies: Tallies, version?: number): void;
  created(comment: CommentPayload): void;
  updated(comment: CommentPayload): void;
  removed(commentId: string, status: 'removed' | 'deleted'): void;
  readers(count: number): void;
  commentCount(count: number): void;
  reported(event: ReportCreatedEvent): void;
  /** A comment's new absolute score (coalesced by the server). */
  score(event: CommentScoreEvent): void;
  /** Moderators: a comment was held. */
  pending(event: CommentPendingEvent): void;
  /** Too much was missed: reload the comments over REST. */
  resync(): Promise<void>;
  /** After a reconnect: how many comment events arrived in `missed`. */
  caughtUp(missed: number): void;
  /** A notification of the signed-in reader (no subscription needed). */
  notification(notification: NotificationEvent['notification']): void;
  /** The socket (re)connected: what is not replayed (the unread count) is read again. */
  connected(): void;
}

/**
 * The article's live feed over Socket.IO. Subscribes `since` the last comment event seen
 * (the page's own seq at first), so nothing between the page render and the socket, or
 * during a disconnection, is lost; events are applied once, in seq order.
 */
export class LiveFeed {
  private readonly socket: LiveSocket;
  private lastSeq: number;
  /** The epoch `lastSeq` counts in (from the last ack). */
  private epoch: string | undefined;
  private connectedBefore = false;
  private attempts = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private reauthTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly t = catalogue(document.documentElement.lang);

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
    this.socket.on('connect', () => {
      this.scheduleReauth();
      void this.subscribe();
      this.on.connected();
    });
    this.socket.on('connect_error', (error) => void this.connectFailed(error));
    this.socket.on('session.expired', () => void this.refreshAndReconnect());
    this.socket.on('tally', (event) => this.on.tallies(event.tallies, event.version));
    this.socket.on('presence', (event) => this.on.readers(event.readers));
    this.socket.on('report.created', (event) => this.on.reported(event));
    this.socket.on('comment.score', (event) => this.on.score(event));
    this.socket.on('comment.pending', (event) => this.on.pending(event));
    this.socket.on('notification', (event) => this.on.notification(event.notification));
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
    clearTimeout(this.retryTimer);
    const request = { articleId: this.ctx.articleId, since: this.lastSeq };
    const ack = await this.socket
      .timeout(10_000)
      .emitWithAck('subscribe', this.epoch ? { ...request, epoch: this.epoch } : request)
      .catch(() => null);
    if (!this.socket.connected) return; // the next connect subscribes again
    if (!ack || (!ack.ok && RETRYABLE.has(ack.error.code))) return this.retryLater();
    if (!ack.ok) return this.ctx.announce(this.t.liveUnavailable(ack.error.message));
    this.attempts = 0;
    this.caughtUp(ack);
  }

  /** Exponential backoff with jitter: a server restart is not answered by every page at once. */
  private retryLater(): void {
    const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** this.attempts++);
    this.retryTimer = setTimeout(() => void this.subscribe(), ceiling * (0.5 + Math.random() / 2));
  }

  /** Before the access token expires: refresh it and hand the new one to the open socket. */
  private scheduleReauth(): void {
    clearTimeout(this.reauthTimer);
    const expiresAt = tokenExpiry(this.ctx.api.accessToken);
    if (expiresAt === null) return;
    this.reauthTimer = setTimeout(
      () => void this.reauth(),
      Math.max(0, expiresAt - Date.now() - REAUTH_AHEAD_MS),
    );
  }

  private async reauth(): Promise<void> {
    if (!(await this.ctx.api.refresh())) return; // session.expired will reconnect anonymously
    const token = this.ctx.api.accessToken;
    const ack = token
      ? await this.socket
          .timeout(10_000)
          .emitWithAck('reauth', { token })
          .catch(() => null)
      : null;
    if (ack?.ok) this.scheduleReauth();
    else this.reconnect();
  }

  private caughtUp(ack: SubscribeResult): void {
    this.epoch = ack.epoch;
    this.on.tallies(ack.tallies, ack.version);
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
    else this.ctx.announce(this.t.livePaused);
  }

  private async refreshAndReconnect(): Promise<void> {
    await this.ctx.api.refresh();
    this.reconnect();
  }
}

/** Epoch ms at which a JWT expires, read from its payload (not verified: only for timing). */
function tokenExpiry(token: string | undefined): number | null {
  const payload = token?.split('.')[1];
  if (!payload) return null;
  try {
    const { exp } = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as {
      exp?: unknown;
    };
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}
