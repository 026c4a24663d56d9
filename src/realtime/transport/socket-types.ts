import type { Server, Socket } from 'socket.io';
import type { Principal } from '../../common/auth/principal';
import type { ClientToServerEvents, ServerToClientEvents } from '../contract';

/** What the server keeps per socket. */
export interface SocketData {
  /** null: an anonymous reader. */
  user: Principal | null;
  /** The client's address (behind TRUST_PROXY the one the proxy names), taken once at connect. */
  address: string;
  /** Articles this socket is subscribed to. */
  subscriptions: Set<string>;
  /** Articles whose counts this socket watches (`watch`; not subscriptions). */
  watching: Set<string>;
  /** This socket's subscribe/unsubscribe calls run one after another (see Subscriptions). */
  turn?: Promise<unknown>;
  /** Calls waiting in (or running at the head of) that chain. */
  waitingTurns?: number;
  /** Tells the client and closes the socket when its access token expires. */
  expiryTimer?: NodeJS.Timeout;
}

export type TownhallServer = Server<ClientToServerEvents, ServerToClientEvents, object, SocketData>;
export type TownhallSocket = Socket<ClientToServerEvents, ServerToClientEvents, object, SocketData>;

export const MODERATORS_ROOM = 'moderators';
export const articleRoom = (articleId: string): string => `article:${articleId}`;
export const userRoom = (userId: string): string => `user:${userId}`;
export const countsRoom = (articleId: string): string => `counts:${articleId}`;
