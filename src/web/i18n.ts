/**
 * The reader page's and the embed's words, in English and German. Plain data, shared by the
 * server's views and the browser script (which reads the language from `<html lang>`), so the
 * live parts say what the server-rendered parts say. The shape is here; the words are in
 * i18n-en.ts and i18n-de.ts.
 */
import { de } from './i18n-de';
import { en } from './i18n-en';

export const LANGUAGES = ['en', 'de'] as const;
export type Lang = (typeof LANGUAGES)[number];

export interface Catalogue {
  interesting: string;
  support: string;
  vote: (label: string, value: 'up' | 'down') => string;
  logInToVote: string;
  comments: string;
  onlyLoggedIn: string;
  noScript: string;
  yourComment: string;
  postComment: string;
  noComments: string;
  moreComments: string;
  signIn: string;
  register: string;
  username: string;
  password: string;
  usernameHint: string;
  displayName: string;
  optional: string;
  passwordHint: string;
  signOut: string;
  signedInAs: (name: string) => string;
  newComments: (count: number) => string;
  readingNow: (count: number) => string;
  commentCount: (count: number) => string;
  posted: string;
  welcome: (name: string) => string;
  signedOut: string;
  wrongPassword: string;
  signInToVote: string;
  sessionEnded: string;
  heldForModeration: string;
  rejectedWord: string;
  /** After a reconnect: `missed` live updates were caught up (0: none; null: thread reloaded). */
  reconnected: (missed: number | null) => string;
  liveUnavailable: (reason: string) => string;
  livePaused: string;
  ssoFailed: string;
  /** The words of one comment and of what readers do with it. */
  thread: {
    by: (name: string) => string;
    edited: string;
    featured: string;
    removedByModerator: string;
    deletedByAuthor: string;
    status: { removed: string; deleted: string; pending: string; rejected: string };
    voteTitle: (value: 'up' | 'down') => string;
    voteLabel: (value: 'up' | 'down', count: number) => string;
    sortBy: string;
    sortComments: string;
    newest: string;
    top: string;
    sortedTop: string;
    sortedNewest: string;
    reply: string;
    report: string;
    edit: string;
    delete: string;
    more: string;
    moreActions: string;
    confirmDelete: string;
    deleted: string;
    reportPrompt: string;
    reported: string;
    replyTo: (name: string) => string;
    editYours: string;
    postReply: string;
    save: string;
    cancel: string;
    replyPosted: string;
    alreadyReported: string;
    signInAgain: string;
    notAllowed: (why: string) => string;
    tooMany: string;
    failed: string;
  };
  /**
   * Moderators' tools: the reports queue, the pending queue, the thread's moderator actions and
   * a user's comment history (client), and the reports panel the server renders.
   */
  moderation: {
    queueHeading: string;
    noReports: string;
    reports: (count: number) => string;
    unknownAuthor: string;
    showInThread: string;
    reasons: (list: string) => string;
    remove: string;
    restore: string;
    feature: string;
    unfeature: string;
    history: string;
    commentHistory: string;
    ban: string;
    removePrompt: string;
    removed: string;
    featured: string;
    unfeatured: string;
    restored: string;
    /** `name` is the author's handle, or null when the card shows none. */
    banPrompt: (name: string | null) => string;
    banned: (name: string | null) => string;
    pendingHeading: (count: number) => string;
    noneHeld: string;
    anotherArticle: string;
    thisArticle: string;
    inThisThread: string;
    aReply: string;
    approve: string;
    reject: string;
    approveAndFeature: string;
    rejectPrompt: string;
    rejected: string;
    approved: string;
    approvedAndFeatured: string;
    historyOf: (username: string) => string;
    loading: string;
    noUserComments: string;
    historyFailed: string;
    close: string;
    moreHistory: string;
    visible: string;
    /** The staff role after the name in "Signed in as …". */
    role: (role: string) => string;
  };
}

export const CATALOGUES: Record<Lang, Catalogue> = { en, de };

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The catalogue of a language tag; English for anything else. */
export function catalogue(lang: string | null | undefined): Catalogue {
  return isLang(lang) ? CATALOGUES[lang] : en;
}
