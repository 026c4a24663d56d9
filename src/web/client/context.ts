import type { Api, User } from './api';

/** What the parts of the article page share. */
export interface PageContext {
  readonly api: Api;
  readonly articleId: string;
  /** The signed-in reader, or null. */
  user: User | null;
  /** Says something in the polite status line under the comment form. */
  announce(message: string): void;
}

export function isModerator(user: User | null): boolean {
  return user?.role === 'moderator' || user?.role === 'admin';
}
