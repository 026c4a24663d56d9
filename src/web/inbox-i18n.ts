/**
 * The words of the notifications inbox (badge and panel) in English and German, beside the
 * page's catalogue (i18n.ts) and chosen the same way, by the document's language.
 */
import { isLang, type Lang } from './i18n';

export type NotificationKind =
  'reply' | 'comment.approved' | 'comment.rejected' | 'comment.removed' | 'comment.featured';

export interface InboxStrings {
  notifications: string;
  /** The toggle's accessible name with the unread count. */
  toggle: (unread: number) => string;
  markRead: string;
  markAllRead: string;
  empty: string;
  /** One line per notification: who did what. */
  headline: (kind: NotificationKind, author: string) => string;
  /** A removed or deleted comment has no text to quote. */
  noText: string;
  unread: string;
  failed: string;
}

const en: InboxStrings = {
  notifications: 'Notifications',
  toggle: (n) => `Notifications, ${n} unread`,
  markRead: 'Mark read',
  markAllRead: 'Mark all read',
  empty: 'No notifications yet.',
  headline: (kind, author) =>
    ({
      reply: `${author} replied to your comment`,
      'comment.approved': 'Your comment was approved',
      'comment.rejected': 'Your comment was rejected',
      'comment.removed': 'Your comment was removed',
      'comment.featured': 'Your comment was featured',
    })[kind],
  noText: '(no text)',
  unread: 'unread',
  failed: 'The notifications could not be loaded.',
};

const de: InboxStrings = {
  notifications: 'Benachrichtigungen',
  toggle: (n) => `Benachrichtigungen, ${n} ungelesen`,
  markRead: 'Als gelesen markieren',
  markAllRead: 'Alle als gelesen markieren',
  empty: 'Noch keine Benachrichtigungen.',
  headline: (kind, author) =>
    ({
      reply: `${author} hat auf Ihren Kommentar geantwortet`,
      'comment.approved': 'Ihr Kommentar wurde freigegeben',
      'comment.rejected': 'Ihr Kommentar wurde abgelehnt',
      'comment.removed': 'Ihr Kommentar wurde entfernt',
      'comment.featured': 'Ihr Kommentar wurde hervorgehoben',
    })[kind],
  noText: '(kein Text)',
  unread: 'ungelesen',
  failed: 'Die Benachrichtigungen konnten nicht geladen werden.',
};

export const INBOX_STRINGS: Record<Lang, InboxStrings> = { en, de };

/** The strings of a language tag; English for anything else. */
export function inboxStrings(lang: string | null | undefined): InboxStrings {
  return isLang(lang) ? INBOX_STRINGS[lang] : en;
}
