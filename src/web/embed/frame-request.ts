import { type Lang, isLang } from '../i18n';

/** What the frame's address (`/embed/:siteId/:externalId?…`) says, checked. */
export interface FrameRequest {
  theme: 'light' | 'dark' | 'auto';
  lang: Lang;
  /** The page that framed it, as embed.js says (only used once it is one of the site's). */
  parentOrigin: string | null;
  /** For autoCreateArticles: the publisher's `data-title` and `data-url`. */
  title: string | null;
  url: string | null;
}

export const SITE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// control characters other than tab and newlines: a title is one line of plain text
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

/** Lenient: a wrong optional parameter falls back to its default instead of failing the page. */
export function readFrameQuery(query: Record<string, unknown>): FrameRequest {
  const text = (name: string): string | null =>
    typeof query[name] === 'string' ? (query[name] as string).trim() : null;
  const theme = text('theme');
  const title = text('title');
  return {
    theme: theme === 'light' || theme === 'dark' ? theme : 'auto',
    lang: isLang(text('lang')) ? (text('lang') as Lang) : 'en',
    parentOrigin: originOf(text('origin')),
    title: title && title.length <= 300 && !CONTROL.test(title) ? title : null,
    url: httpUrl(text('url')),
  };
}

/** The exact origin of an http(s) address (`https://news.example:8443`), or null. */
export function originOf(value: string | null | undefined): string | null {
  const url = httpUrl(value);
  return url ? new URL(url).origin : null;
}

function httpUrl(value: string | null | undefined): string | null {
  if (!value || value.length > 2048) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Who asked for the frame: the browser's `Origin` (sent on some navigations), else the origin
 * of its `Referer` (an iframe's request carries the embedding page's, by default the origin).
 */
export function requestOrigin(
  headers: Record<string, string | string[] | undefined>,
): string | null {
  const origin = headers.origin;
  if (typeof origin === 'string' && origin !== 'null') return originOf(origin);
  const referer = headers.referer;
  return typeof referer === 'string' ? originOf(referer) : null;
}

/**
 * The page's Content-Security-Policy: helmet's, with `frame-ancestors` naming only `ancestors`
 * (`'none'` for none); `*` for the error pages that show nothing of a site.
 */
export function withFrameAncestors(policy: string, ancestors: string[] | '*'): string {
  const list = ancestors === '*' ? '*' : ancestors.length > 0 ? ancestors.join(' ') : "'none'";
  const directives = policy
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part && !part.startsWith('frame-ancestors'));
  return [...directives, `frame-ancestors ${list}`].join(';');
}
