/**
 * The browser's typed REST client: one small method per route the pages use, and the session's
 * tokens (over 250 lines: one method per route, no logic to split out).
 */
import type { CommentPayload, NotificationEvent, Tallies } from '../../realtime/contract';

export type Role = 'reader' | 'moderator' | 'admin';
export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
}
export type VoteValue = 'up' | 'down';
export type Dimension = 'interesting' | 'support';
export type MyVotes = Record<Dimension, VoteValue | null>;
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
/** A comment as a signed-in reader reads it: with their own vote. */
export type ReaderComment = CommentPayload & { myVote?: VoteValue | null };
export type CommentSort = 'newest' | 'oldest' | 'top';
export type Notification = NotificationEvent['notification'];
export interface QueueItem {
  comment: CommentPayload;
  reportCount: number;
  reasons: string[];
}

interface Session {
  accessToken: string;
  refreshToken: string;
}

const STORAGE_KEY = 'townhall.session';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The REST API with the session kept in localStorage. A 401 refreshes the access token once
 * and retries; refreshes are single-flight, because a refresh token works only once and
 * presenting it twice revokes the whole session.
 */
export class Api {
  private session: Session | null;
  private refreshing: Promise<boolean> | null = null;
  /** Called when the session ends without the reader asking (refresh refused). */
  onSessionLost: () => void = () => undefined;

  /** `storageKey`: where the session is kept (the embed keeps one per site). */
  constructor(private readonly storageKey = STORAGE_KEY) {
    this.session = readSession(storageKey);
  }

  get accessToken(): string | undefined {
    return this.session?.accessToken;
  }

  get signedIn(): boolean {
    return this.session !== null;
  }

  async login(username: string, password: string): Promise<User> {
    return this.startSession(await this.send('POST', '/api/auth/login', { username, password }));
  }

  async register(username: string, password: string, displayName?: string): Promise<User> {
    const body = displayName ? { username, password, displayName } : { username, password };
    return this.startSession(await this.send('POST', '/api/auth/register', body));
  }

  /** Single sign-on: the publisher's site signed `token` for its reader. */
  async sso(siteId: string, token: string): Promise<User> {
    return this.startSession(await this.send('POST', '/api/auth/sso', { siteId, token }));
  }

  async logout(): Promise<void> {
    const session = this.session;
    this.setSession(null);
    if (session) {
      await this.send('POST', '/api/auth/logout', { refreshToken: session.refreshToken }).catch(
        () => undefined,
      );
    }
  }

  me(): Promise<User> {
    return this.request('GET', '/api/auth/me');
  }

  notifications(limit: number): Promise<Page<Notification>> {
    return this.request('GET', `/api/notifications?limit=${limit}`);
  }

  async unreadCount(): Promise<number> {
    return (await this.request<{ count: number }>('GET', '/api/notifications/unread-count')).count;
  }

  /** Those notifications read; all of them without `ids`. */
  markRead(ids?: string[]): Promise<void> {
    return this.request('POST', '/api/notifications/read', ids ? { ids } : {});
  }

  myVotes(articleId: string): Promise<{ myVotes?: MyVotes; tallies: Tallies }> {
    return this.request('GET', `/api/articles/${articleId}`);
  }

  vote(articleId: string, dimension: Dimension, value: VoteValue | null) {
    return this.request<{ tallies: Tallies; myVote: VoteValue | null }>(
      value ? 'PUT' : 'DELETE',
      `/api/articles/${articleId}/votes/${dimension}`,
      value ? { value } : undefined,
    );
  }

  comments(
    articleId: string,
    query: {
      parentId?: string;
      sort: CommentSort;
      cursor?: string;
      originals: boolean;
      featured?: boolean;
    },
  ): Promise<Page<ReaderComment>> {
    const params = new URLSearchParams({ sort: query.sort, limit: '20' });
    if (query.parentId) params.set('parentId', query.parentId);
    if (query.featured) params.set('featured', 'true');
    if (query.cursor) params.set('cursor', query.cursor);
    if (query.originals) params.set('include', 'removed');
    return this.request('GET', `/api/articles/${articleId}/comments?${params.toString()}`);
  }

  postComment(articleId: string, body: string, parentId?: string): Promise<CommentPayload> {
    return this.request('POST', `/api/articles/${articleId}/comments`, { body, parentId });
  }

  editComment(id: string, body: string): Promise<CommentPayload> {
    return this.request('PATCH', `/api/comments/${id}`, { body });
  }

  deleteComment(id: string): Promise<void> {
    return this.request('DELETE', `/api/comments/${id}`);
  }

  report(id: string, reason: string): Promise<void> {
    return this.request('POST', `/api/comments/${id}/reports`, { reason });
  }

  remove(id: string, reason: string): Promise<CommentPayload> {
    return this.request('POST', `/api/comments/${id}/remove`, { reason });
  }

  restore(id: string): Promise<CommentPayload> {
    return this.request('POST', `/api/comments/${id}/restore`);
  }

  ban(userId: string, reason: string): Promise<void> {
    return this.request('POST', `/api/users/${userId}/ban`, { reason });
  }

  queue(status: 'reported' | 'pending' = 'reported'): Promise<Page<QueueItem>> {
    return this.request('GET', `/api/moderation/queue?limit=50&status=${status}`);
  }

  voteComment(id: string, value: VoteValue | null) {
    return this.request<{ score: CommentPayload['score']; myVote: VoteValue | null }>(
      value ? 'PUT' : 'DELETE',
      `/api/comments/${id}/vote`,
      value ? { value } : undefined,
    );
  }

  approve(id: string): Promise<CommentPayload> {
    return this.request('POST', `/api/comments/${id}/approve`);
  }

  reject(id: string, reason: string): Promise<CommentPayload> {
    return this.request('POST', `/api/comments/${id}/reject`, { reason });
  }

  feature(id: string, featured: boolean): Promise<CommentPayload> {
    return this.request(featured ? 'POST' : 'DELETE', `/api/comments/${id}/feature`);
  }

  userComments(userId: string, cursor?: string): Promise<Page<CommentPayload>> {
    const params = new URLSearchParams({ limit: '20' });
    if (cursor) params.set('cursor', cursor);
    return this.request('GET', `/api/users/${userId}/comments?${params.toString()}`);
  }

  /** A fresh access token (e.g. for the socket after `session.expired`); false if signed out. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async doRefresh(): Promise<boolean> {
    const session = this.session;
    if (!session) return false;
    try {
      const next = await this.send<Session>('POST', '/api/auth/refresh', {
        refreshToken: session.refreshToken,
      });
      this.setSession({ accessToken: next.accessToken, refreshToken: next.refreshToken });
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        this.setSession(null);
        this.onSessionLost();
      }
      return false;
    }
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = this.session?.accessToken;
    try {
      return await this.send<T>(method, path, body, token);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401 || !token) throw error;
      // another request may have refreshed already
      if (this.session?.accessToken === token && !(await this.refresh())) throw error;
      return this.send<T>(method, path, body, this.session?.accessToken);
    }
  }

  private async send<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 204) return undefined as T;
    const payload = (await response.json().catch(() => null)) as unknown;
    if (!response.ok) throw new ApiError(response.status, messageOf(payload, response));
    return payload as T;
  }

  private startSession(answer: Session & { user: User }): User {
    this.setSession({ accessToken: answer.accessToken, refreshToken: answer.refreshToken });
    return answer.user;
  }

  private setSession(session: Session | null): void {
    this.session = session;
    try {
      if (session) localStorage.setItem(this.storageKey, JSON.stringify(session));
      else localStorage.removeItem(this.storageKey);
    } catch {
      // storage unavailable (private mode): the session lasts as long as the page
    }
  }
}

function readSession(storageKey: string): Session | null {
  try {
    const raw = localStorage.getItem(storageKey);
    const parsed = raw ? (JSON.parse(raw) as Partial<Session>) : null;
    return parsed?.accessToken && parsed.refreshToken
      ? { accessToken: parsed.accessToken, refreshToken: parsed.refreshToken }
      : null;
  } catch {
    return null;
  }
}

function messageOf(payload: unknown, response: Response): string {
  const message = (payload as { message?: unknown } | null)?.message;
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string') return message;
  return `${response.status} ${response.statusText}`;
}
