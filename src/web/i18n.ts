/**
 * The reader page's and the embed's words, in English and German. Plain data, shared by the
 * server's views and the browser script (which reads the language from `<html lang>`), so the
 * live parts say what the server-rendered parts say.
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
};

export const CATALOGUES: Record<Lang, Catalogue> = { en, de };

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The catalogue of a language tag; English for anything else. */
export function catalogue(lang: string | null | undefined): Catalogue {
  return isLang(lang) ? CATALOGUES[lang] : en;
}
