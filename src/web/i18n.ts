/**
 * The reader page's and the embed's words, in English and German. Plain data, shared by the
 * server's views and the browser script (which reads the language from `<html lang>`), so the
 * live parts say what the server-rendered parts say.
 * Over 250 lines: it is two catalogues of the same shape, each string once; no logic.
 */
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

const en: Catalogue = {
  interesting: 'Interesting',
  support: 'Support',
  vote: (label, value) => `${label}: vote ${value}`,
  logInToVote: 'Log in to vote',
  comments: 'Comments',
  onlyLoggedIn: 'Only logged-in users can comment.',
  noScript: 'Signing in, voting and commenting need JavaScript.',
  yourComment: 'Your comment',
  postComment: 'Post comment',
  noComments: 'No comments yet.',
  moreComments: 'More comments',
  signIn: 'Sign in',
  register: 'Register',
  username: 'Username',
  password: 'Password',
  usernameHint: '(3–32 letters, digits or _)',
  displayName: 'Display name',
  optional: '(optional)',
  passwordHint: '(8 or more characters)',
  signOut: 'Sign out',
  signedInAs: (name) => `Signed in as ${name}`,
  newComments: (n) => `${n} ${n === 1 ? 'new comment' : 'new comments'}`,
  readingNow: (n) => `${n} ${n === 1 ? 'person' : 'people'} reading now`,
  commentCount: (n) => `${n} ${n === 1 ? 'comment' : 'comments'}`,
  posted: 'Your comment was posted.',
  welcome: (name) => `Welcome, ${name}.`,
  signedOut: 'You are signed out.',
  wrongPassword: 'Wrong username or password.',
  signInToVote: 'Sign in or register to vote.',
  sessionEnded: 'Your session ended. Please sign in again.',
  heldForModeration: 'Your comment awaits a moderator: only you see it until it is approved.',
  rejectedWord: 'Your comment was rejected: it contains a word this site does not allow.',
  reconnected: (missed) =>
    missed === null
      ? 'Reconnected. The comments were reloaded.'
      : missed === 0
        ? 'Reconnected.'
        : `Reconnected. ${missed} ${missed === 1 ? 'update' : 'updates'} while you were away.`,
  liveUnavailable: (reason) => `Live updates are unavailable: ${reason}`,
  livePaused: 'Live updates are paused: please reload the page.',
  ssoFailed: 'Single sign-on failed: the token was refused.',
  thread: {
    by: (name) => `Comment by ${name}`,
    edited: '(edited)',
    featured: "Editors' pick",
    removedByModerator: 'This comment was removed by a moderator.',
    deletedByAuthor: 'This comment was deleted.',
    status: {
      removed: 'Removed',
      deleted: 'Deleted',
      pending: 'Awaiting moderation',
      rejected: 'Rejected',
    },
    voteTitle: (value) => (value === 'up' ? 'Vote up' : 'Vote down'),
    voteLabel: (value, n) => `Vote ${value} (${n} ${value})`,
    sortBy: 'Sort:',
    sortComments: 'Sort comments',
    newest: 'Newest',
    top: 'Top',
    sortedTop: 'Top comments first.',
    sortedNewest: 'Newest comments first.',
    reply: 'Reply',
    report: 'Report',
    edit: 'Edit',
    delete: 'Delete',
    more: 'More',
    moreActions: 'More actions for this comment',
    confirmDelete: 'Delete your comment? This cannot be undone.',
    deleted: 'Your comment was deleted.',
    reportPrompt: 'Why should the moderators look at this comment?',
    reported: 'Thank you. The moderators will look at this comment.',
    replyTo: (name) => `Reply to ${name}`,
    editYours: 'Edit your comment',
    postReply: 'Post reply',
    save: 'Save',
    cancel: 'Cancel',
    replyPosted: 'Your reply was posted.',
    alreadyReported: 'You have already reported this comment.',
    signInAgain: 'Please sign in again.',
    notAllowed: (why) => `Not allowed: ${why}`,
    tooMany: 'Too many requests: please wait a moment.',
    failed: 'Something went wrong. Please try again.',
  },
  moderation: {
    queueHeading: 'Moderation queue',
    noReports: 'No open reports.',
    reports: (n) => `${n} ${n === 1 ? 'report' : 'reports'}`,
    unknownAuthor: 'unknown author',
    showInThread: 'show in thread',
    reasons: (list) => `Reasons: ${list}`,
    remove: 'Remove',
    restore: 'Restore',
    feature: "Feature (editors' pick)",
    unfeature: 'Unfeature',
    history: 'History',
    commentHistory: 'Comment history',
    ban: 'Ban author',
    removePrompt: 'Reason for removing this comment:',
    removed: 'The comment was removed.',
    featured: 'The comment is featured.',
    unfeatured: 'The comment is no longer featured.',
    restored: 'The comment was restored.',
    banPrompt: (name) => `Reason for banning ${name ?? 'this user'}:`,
    banned: (name) => `${name ?? 'this user'} is banned.`,
    pendingHeading: (n) => (n > 0 ? `Awaiting moderation (${n})` : 'Awaiting moderation'),
    noneHeld: 'No comments held.',
    anotherArticle: 'another article',
    thisArticle: 'this article',
    inThisThread: 'in this thread',
    aReply: 'a reply',
    approve: 'Approve',
    reject: 'Reject…',
    approveAndFeature: 'Approve and feature',
    rejectPrompt: 'Reason for rejecting this comment:',
    rejected: 'The comment was rejected.',
    approved: 'The comment was approved.',
    approvedAndFeatured: 'The comment was approved and featured.',
    historyOf: (username) => `Comment history of @${username}`,
    loading: 'Loading…',
    noUserComments: 'No comments.',
    historyFailed: 'The history could not be loaded.',
    close: 'Close',
    moreHistory: 'More',
    visible: 'Visible',
    role: (role) => role,
  },
};

const de: Catalogue = {
  interesting: 'Interessant',
  support: 'Zustimmung',
  vote: (label, value) => `${label}: ${value === 'up' ? 'dafür' : 'dagegen'} stimmen`,
  logInToVote: 'Zum Abstimmen anmelden',
  comments: 'Kommentare',
  onlyLoggedIn: 'Nur angemeldete Leser können kommentieren.',
  noScript: 'Anmelden, Abstimmen und Kommentieren brauchen JavaScript.',
  yourComment: 'Ihr Kommentar',
  postComment: 'Kommentar senden',
  noComments: 'Noch keine Kommentare.',
  moreComments: 'Weitere Kommentare',
  signIn: 'Anmelden',
  register: 'Registrieren',
  username: 'Benutzername',
  password: 'Passwort',
  usernameHint: '(3–32 Buchstaben, Ziffern oder _)',
  displayName: 'Anzeigename',
  optional: '(optional)',
  passwordHint: '(mindestens 8 Zeichen)',
  signOut: 'Abmelden',
  signedInAs: (name) => `Angemeldet als ${name}`,
  newComments: (n) => `${n} ${n === 1 ? 'neuer Kommentar' : 'neue Kommentare'}`,
  readingNow: (n) => `${n} ${n === 1 ? 'Person liest' : 'Personen lesen'} gerade`,
  commentCount: (n) => `${n} ${n === 1 ? 'Kommentar' : 'Kommentare'}`,
  posted: 'Ihr Kommentar wurde veröffentlicht.',
  welcome: (name) => `Willkommen, ${name}.`,
  signedOut: 'Sie sind abgemeldet.',
  wrongPassword: 'Benutzername oder Passwort ist falsch.',
  signInToVote: 'Zum Abstimmen bitte anmelden oder registrieren.',
  sessionEnded: 'Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.',
  heldForModeration:
    'Ihr Kommentar wartet auf die Moderation: Nur Sie sehen ihn, bis er freigegeben ist.',
  rejectedWord:
    'Ihr Kommentar wurde abgelehnt: Er enthält ein Wort, das diese Seite nicht zulässt.',
  reconnected: (missed) =>
    missed === null
      ? 'Wieder verbunden. Die Kommentare wurden neu geladen.'
      : missed === 0
        ? 'Wieder verbunden.'
        : `Wieder verbunden. ${missed} ${missed === 1 ? 'Aktualisierung' : 'Aktualisierungen'} während Ihrer Abwesenheit.`,
  liveUnavailable: (reason) => `Live-Aktualisierungen sind nicht verfügbar: ${reason}`,
  livePaused: 'Live-Aktualisierungen sind pausiert: Bitte laden Sie die Seite neu.',
  ssoFailed: 'Die Anmeldung über Ihre Website ist fehlgeschlagen: Das Token wurde abgelehnt.',
  thread: {
    by: (name) => `Kommentar von ${name}`,
    edited: '(bearbeitet)',
    featured: 'Empfehlung der Redaktion',
    removedByModerator: 'Dieser Kommentar wurde von der Moderation entfernt.',
    deletedByAuthor: 'Dieser Kommentar wurde gelöscht.',
    status: {
      removed: 'Entfernt',
      deleted: 'Gelöscht',
      pending: 'Wartet auf Freigabe',
      rejected: 'Abgelehnt',
    },
    voteTitle: (value) => (value === 'up' ? 'Dafür stimmen' : 'Dagegen stimmen'),
    voteLabel: (value, n) =>
      value === 'up' ? `Dafür stimmen (${n} dafür)` : `Dagegen stimmen (${n} dagegen)`,
    sortBy: 'Sortieren:',
    sortComments: 'Kommentare sortieren',
    newest: 'Neueste',
    top: 'Beste',
    sortedTop: 'Die besten Kommentare zuerst.',
    sortedNewest: 'Die neuesten Kommentare zuerst.',
    reply: 'Antworten',
    report: 'Melden',
    edit: 'Bearbeiten',
    delete: 'Löschen',
    more: 'Mehr',
    moreActions: 'Weitere Aktionen für diesen Kommentar',
    confirmDelete: 'Ihren Kommentar löschen? Das lässt sich nicht rückgängig machen.',
    deleted: 'Ihr Kommentar wurde gelöscht.',
    reportPrompt: 'Warum soll sich die Moderation diesen Kommentar ansehen?',
    reported: 'Danke. Die Moderation sieht sich diesen Kommentar an.',
    replyTo: (name) => `Antwort an ${name}`,
    editYours: 'Ihren Kommentar bearbeiten',
    postReply: 'Antwort senden',
    save: 'Speichern',
    cancel: 'Abbrechen',
    replyPosted: 'Ihre Antwort wurde veröffentlicht.',
    alreadyReported: 'Sie haben diesen Kommentar bereits gemeldet.',
    signInAgain: 'Bitte melden Sie sich erneut an.',
    notAllowed: (why) => `Nicht erlaubt: ${why}`,
    tooMany: 'Zu viele Anfragen: bitte einen Moment warten.',
    failed: 'Etwas ist schiefgegangen. Bitte versuchen Sie es erneut.',
  },
  moderation: {
    queueHeading: 'Moderationswarteschlange',
    noReports: 'Keine offenen Meldungen.',
    reports: (n) => `${n} ${n === 1 ? 'Meldung' : 'Meldungen'}`,
    unknownAuthor: 'unbekannter Verfasser',
    showInThread: 'in der Diskussion zeigen',
    reasons: (list) => `Gründe: ${list}`,
    remove: 'Entfernen',
    restore: 'Wiederherstellen',
    feature: 'Hervorheben (Empfehlung der Redaktion)',
    unfeature: 'Nicht mehr hervorheben',
    history: 'Verlauf',
    commentHistory: 'Kommentarverlauf',
    ban: 'Verfasser sperren',
    removePrompt: 'Grund für das Entfernen dieses Kommentars:',
    removed: 'Der Kommentar wurde entfernt.',
    featured: 'Der Kommentar ist hervorgehoben.',
    unfeatured: 'Der Kommentar ist nicht mehr hervorgehoben.',
    restored: 'Der Kommentar wurde wiederhergestellt.',
    banPrompt: (name) =>
      name ? `Grund für die Sperrung von ${name}:` : 'Grund für die Sperrung dieses Nutzers:',
    banned: (name) => (name ? `${name} ist gesperrt.` : 'Der Nutzer ist gesperrt.'),
    pendingHeading: (n) => (n > 0 ? `Wartet auf Freigabe (${n})` : 'Wartet auf Freigabe'),
    noneHeld: 'Keine zurückgehaltenen Kommentare.',
    anotherArticle: 'anderer Artikel',
    thisArticle: 'dieser Artikel',
    inThisThread: 'in dieser Diskussion',
    aReply: 'Antwort',
    approve: 'Freigeben',
    reject: 'Ablehnen…',
    approveAndFeature: 'Freigeben und hervorheben',
    rejectPrompt: 'Grund für die Ablehnung dieses Kommentars:',
    rejected: 'Der Kommentar wurde abgelehnt.',
    approved: 'Der Kommentar wurde freigegeben.',
    approvedAndFeatured: 'Der Kommentar wurde freigegeben und hervorgehoben.',
    historyOf: (username) => `Kommentarverlauf von @${username}`,
    loading: 'Wird geladen…',
    noUserComments: 'Keine Kommentare.',
    historyFailed: 'Der Verlauf konnte nicht geladen werden.',
    close: 'Schließen',
    moreHistory: 'Weitere',
    visible: 'Sichtbar',
    role: (role) =>
      role === 'moderator' ? 'Moderator' : role === 'admin' ? 'Administrator' : role,
  },
};

export const CATALOGUES: Record<Lang, Catalogue> = { en, de };

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The catalogue of a language tag; English for anything else. */
export function catalogue(lang: string | null | undefined): Catalogue {
  return isLang(lang) ? CATALOGUES[lang] : en;
}
