/**
 * embed.js: turns every `[data-townhall]` element on a publisher's page into an iframe of
 * `/embed/:siteId/:externalId` (API.md "Embed"), sized to the frame's content over
 * postMessage. No framework; its one global is `window.Townhall` (setSso, logout, scan).
 */
import { EXTERNAL_ID, SITE_ID, serverOrigin, THEMES, type Theme } from './attributes';
import { type HostMessage, isFrameMessage, PERMALINK_FRAGMENT } from './messages';

/** Replaced with PUBLIC_URL by the server that serves this script. */
const ORIGIN = serverOrigin('%%TOWNHALL_ORIGIN%%');

interface Frame {
  iframe: HTMLIFrameElement;
  ready: boolean;
}

const frames: Frame[] = [];
/** A linked comment is shown this far below the window's top (room for a sticky header). */
const SCROLL_MARGIN = 80;
let ssoToken: string | null = null;

function attribute(element: HTMLElement, name: string): string | undefined {
  const value = element.getAttribute(`data-${name}`)?.trim();
  return value ? value : undefined;
}

/** A publisher's mistake is shown where the comments would be, and nothing else happens. */
function refuse(element: HTMLElement, problem: string): void {
  const note = document.createElement('p');
  note.setAttribute('role', 'alert');
  note.className = 'townhall-error';
  note.textContent = `Townhall: ${problem}`;
  element.replaceChildren(note);
}

function mount(element: HTMLElement): void {
  if (element.querySelector(':scope > iframe[data-townhall-frame]')) return;
  const site = attribute(element, 'site');
  const article = attribute(element, 'article');
  if (!site || !SITE_ID.test(site)) {
    return refuse(element, 'data-site must be the id of your site (a UUID).');
  }
  if (!article || !EXTERNAL_ID.test(article)) {
    return refuse(element, 'data-article must be 1–128 characters of A–Z a–z 0–9 . _ ~ : -');
  }
  const theme = attribute(element, 'theme') ?? 'auto';
  if (!(THEMES as readonly string[]).includes(theme)) {
    return refuse(element, 'data-theme must be light, dark or auto.');
  }
  const lang = attribute(element, 'lang') ?? 'en';
  if (lang !== 'en' && lang !== 'de') return refuse(element, 'data-lang must be en or de.');
  const query = new URLSearchParams({ origin: location.origin, theme: theme as Theme, lang });
  const title = attribute(element, 'title');
  const url = attribute(element, 'url');
  if (title) query.set('title', title.slice(0, 300));
  if (url) query.set('url', url.slice(0, 2048));
  // a permalink (a notification mail, another article's inbox) names a comment to show
  const linked = PERMALINK_FRAGMENT.exec(location.hash)?.[1];
  if (linked) query.set('comment', linked.toLowerCase());
  const sso = attribute(element, 'sso');
  if (sso) ssoToken = sso;

  const iframe = document.createElement('iframe');
  iframe.src = `${ORIGIN}/embed/${site}/${encodeURIComponent(article)}?${query.toString()}`;
  iframe.title = lang === 'de' ? 'Kommentare' : 'Comments';
  iframe.setAttribute('data-townhall-frame', '');
  iframe.setAttribute('scrolling', 'no');
  iframe.style.cssText = 'display:block;width:100%;height:160px;border:0;overflow:hidden';
  element.replaceChildren(iframe);
  frames.push({ iframe, ready: false });
}

function send(frame: Frame, message: HostMessage): void {
  frame.iframe.contentWindow?.postMessage(message, ORIGIN);
}

/** Only PUBLIC_URL's origin, and only a window that is one of this page's frames. */
function onMessage(event: MessageEvent): void {
  if (event.origin !== ORIGIN || !isFrameMessage(event.data)) return;
  const frame = frames.find((candidate) => candidate.iframe.contentWindow === event.source);
  if (!frame) return;
  if (event.data.townhall === 'height') {
    frame.iframe.style.height = `${Math.ceil(event.data.height)}px`;
  } else if (event.data.townhall === 'scroll') {
    const frameTop = frame.iframe.getBoundingClientRect().top + window.scrollY;
    window.scrollTo({ top: Math.max(0, frameTop + event.data.top - SCROLL_MARGIN) });
  } else {
    frame.ready = true;
    if (ssoToken) send(frame, { townhall: 'sso', token: ssoToken });
  }
}

function scan(): void {
  document.querySelectorAll<HTMLElement>('[data-townhall]').forEach(mount);
}

window.addEventListener('message', onMessage);
const api = {
  /** Signs the reader in with a token the site's server signed (single-page sites). */
  setSso(token: string): void {
    if (typeof token !== 'string' || !token) return;
    ssoToken = token;
    frames
      .filter((frame) => frame.ready)
      .forEach((frame) => send(frame, { townhall: 'sso', token }));
  },
  logout(): void {
    ssoToken = null;
    frames.forEach((frame) => send(frame, { townhall: 'logout' }));
  },
  /** Mounts `[data-townhall]` elements added after the page loaded. */
  scan,
};
(window as unknown as { Townhall: typeof api }).Townhall = api;
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan);
else scan();
