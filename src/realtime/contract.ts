/**
 * The Socket.IO contract of Townhall (API.md "Live updates"), in one self-contained file:
 * the gateway and the tests use it, and clients may copy or import it as is.
 *
 *   import { io, type Socket } from 'socket.io-client';
 *   const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, { auth: { token } });
 */

export type VoteCounts = { up: number; down: number };
export interface Tallies {
  interesting: VoteCounts;
  support: VoteCounts;
}

export interface CommentPayload {
  id: string;
  articleId: string;
  parentId: string | null;
  author: { id: string; username: string; displayName: string } | null;
  body: string | null;
  /** `pending` and `rejected` only reach moderators (`comment.pending`). */
  status: 'visible' | 'removed' | 'deleted' | 'pending' | 'rejected';
  replyCount: number;
  createdAt: string;
  editedAt: string | null;
  /** An editors' pick. */
  featured: boolean;
  score: VoteCounts;
}

export interface TallyEvent {
  articleId: string;
  tallies: Tallies;
  /** Only grows, across every instance. */
  version: number;
}
export interface CommentCreatedEvent {
  articleId: string;
  seq: number;
  comment: CommentPayload;
}
export type CommentUpdatedEvent = CommentCreatedEvent;
export interface CommentRemovedEvent {
  articleId: string;
  seq: number;
  commentId: string;
  status: 'removed' | 'deleted';
}
/** A comment's absolute score, coalesced (at most once per TALLY_INTERVAL_MS per comment). */
export interface CommentScoreEvent {
  articleId: string;
  commentId: string;
  score: VoteCounts;
}
/** A comment was held for moderation: to moderators and admins only. */
export interface CommentPendingEvent {
  comment: CommentPayload;
}
export interface PresenceEvent {
  articleId: string;
  readers: number;
}
export interface ReportCreatedEvent {
  comment: CommentPayload;
  reportCount: number;
}
/** Sent just before the server closes a socket whose access token expired. */
export interface SessionExpiredEvent {
  reason: 'token_expired';
  message: string;
}

/**
 * Sent to a signed-in user's open sockets when a moderator or admin bans or unbans them or
 * changes their role. It takes effect at once (a banned or demoted moderator stops receiving
 * `report.created`); the socket stays connected, since reading is public.
 */
export interface SessionChangedEvent {
  reason: 'banned' | 'unbanned' | 'role_changed';
  /** The account's role and ban state from now on. */
  role: 'reader' | 'moderator' | 'admin';
  banned: boolean;
  message: string;
}

/**
 * Sent just before the server closes a socket that kept sending events over the rate limit
 * (more than 100 refused within 10 s). Reconnect later, and send fewer.
 */
export interface ConnectionClosedEvent {
  reason: 'rate_limited';
  message: string;
}

/** An element of `missed`: the live event's payload plus its name. */
export type ReplayedEvent =
  | ({ type: 'comment.created' } & CommentCreatedEvent)
  | ({ type: 'comment.updated' } & CommentUpdatedEvent)
  | ({ type: 'comment.removed' } & CommentRemovedEvent);

export type ErrorCode =
  | 'bad_request'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'too_many_subscriptions'
  /** The database is down or restarting: retry in a second. */
  | 'unavailable'
  | 'internal';

/** Every acknowledgement: `{ok: true, ...}` or `{ok: false, error}`. */
export type Ack<T extends object = object> =
  ({ ok: true } & T) | { ok: false; error: { code: ErrorCode; message: string } };

export interface SubscribeRequest {
  articleId: string;
  /** The last `seq` seen; the ack then carries every later event in `missed`. */
  since?: number;
  /** The `epoch` of the ack that `since` comes from: another one means a resync. */
  epoch?: string;
}
export interface SubscribeResult {
  seq: number;
  /** The history `seq` counts in; it changes only if that history could have been rewound. */
  epoch: string;
  tallies: Tallies;
  /** The tallies' version (as in `tally` events): ignore any tally with a lower one. */
  version: number;
  commentCount: number;
  readers: number;
  missed: ReplayedEvent[];
  /**
   * Too much was missed (over 1000 events), `since` is ahead or from another epoch: reload
   * the comments over REST.
   */
  resync?: true;
}
/** A fresh access token of the socket's own user, so the socket outlives the old one. */
export interface ReauthRequest {
  token: string;
}
export interface UnsubscribeRequest {
  articleId: string;
}

/** Comment-count badges of a publisher's front page: not subscriptions, not readers. */
export interface WatchRequest {
  siteId: string;
  /** The publisher's ids of the articles (at most 200 per connection). */
  externalIds: string[];
}
export interface ArticleCounts {
  commentCount: number;
  tallies: Tallies;
}
export interface WatchResult {
  /** By external id; ids the site has no article for are left out. */
  counts: Record<string, ArticleCounts>;
}
/** After a change of a watched article's counts (at most once per TALLY_INTERVAL_MS). */
export interface CountEvent extends ArticleCounts {
  siteId: string;
  externalId: string;
}

/** To every socket of the notified user, on any instance, without subscribing. */
export interface NotificationEvent {
  notification: {
    id: string;
    type:
      'reply' | 'comment.approved' | 'comment.rejected' | 'comment.removed' | 'comment.featured';
    articleId: string;
    /** The reply for `reply`, else the user's own comment as its author sees it. */
    comment: CommentPayload;
    createdAt: string;
    readAt: string | null;
  };
}

export interface ClientToServerEvents {
  subscribe: (request: SubscribeRequest, ack: (result: Ack<SubscribeResult>) => void) => void;
  unsubscribe: (request: UnsubscribeRequest, ack: (result: Ack) => void) => void;
  watch: (request: WatchRequest, ack: (result: Ack<WatchResult>) => void) => void;
  reauth: (request: ReauthRequest, ack: (result: Ack) => void) => void;
}

export interface ServerToClientEvents {
  tally: (event: TallyEvent) => void;
  'comment.created': (event: CommentCreatedEvent) => void;
  'comment.updated': (event: CommentUpdatedEvent) => void;
  'comment.removed': (event: CommentRemovedEvent) => void;
  presence: (event: PresenceEvent) => void;
  count: (event: CountEvent) => void;
  'report.created': (event: ReportCreatedEvent) => void;
  'comment.score': (event: CommentScoreEvent) => void;
  'comment.pending': (event: CommentPendingEvent) => void;
  'session.expired': (event: SessionExpiredEvent) => void;
  'connection.closed': (event: ConnectionClosedEvent) => void;
  'session.changed': (event: SessionChangedEvent) => void;
  notification: (event: NotificationEvent) => void;
}

/** Most events a `since` replay returns; beyond that the ack says `resync: true`. */
export const MAX_REPLAY = 1000;
/** Most articles one connection may watch for counts. */
export const MAX_WATCHED = 200;
