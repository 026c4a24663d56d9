/**
 * The embed frame's script (GET /embed/:siteId/:externalId): the reader page's live discussion
 * (startReader), plus what only a frame needs: its height and the SSO messages of embed.js,
 * exchanged with the parent page only on the origin the server checked.
 */
import { Api, type User } from '../api';
import { startReader } from '../reader';
import { type FrameMessage, isHostMessage } from './messages';

const root = document.querySelector<HTMLElement>('[data-embed]');
const parentOrigin = root?.dataset.parentOrigin ?? '';
const framed = window.parent !== window && parentOrigin !== '';

function post(message: FrameMessage): void {
  if (framed) window.parent.postMessage(message, parentOrigin);
}

/** The content's height, whenever it changes (comments arrive, forms open). */
function reportHeight(): void {
  let last = -1;
  const report = (): void => {
    const height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    post({ townhall: 'height', height });
  };
  new ResizeObserver(report).observe(document.body);
  report();
}

function startDiscussion(element: HTMLElement): void {
  const siteId = element.dataset.siteId!;
  const storageKey = `townhall.session.${siteId}`;
  const api = new Api(storageKey);
  const reader = startReader(element, api);
  const ssoKey = `${storageKey}.sso`;
  const remember = (token: string | null): void => {
    try {
      if (token) localStorage.setItem(ssoKey, token);
      else localStorage.removeItem(ssoKey);
    } catch {
      // no storage: the token is exchanged again on the next load
    }
  };
  const lastToken = (): string | null => {
    try {
      return localStorage.getItem(ssoKey);
    } catch {
      return null;
    }
  };
  const become = async (user: User | null): Promise<void> => {
    await reader.signedIn(user);
    reader.reconnect();
  };

  window.addEventListener('message', (event) => {
    if (event.source !== window.parent || event.origin !== parentOrigin) return;
    if (!isHostMessage(event.data)) return;
    if (event.data.townhall === 'logout') {
      remember(null);
      void api.logout().then(() => become(null));
      return;
    }
    const token = event.data.token;
    // the same token again (a reload): the session it gave is still kept
    if (api.signedIn && lastToken() === token) return;
    api
      .sso(siteId, token)
      .then(async (user) => {
        remember(token);
        await become(user);
      })
      .catch(() => reader.announce('Single sign-on failed: the token was refused.'));
  });
}

/**
 * A permalink's comment (`?comment=` from embed.js): marked, and the parent page asked to scroll
 * to it (after the height message, so the page is already tall enough). Not on the first page of the thread: nothing happens.
 */
function showLinkedComment(): void {
  const id = new URLSearchParams(location.search).get('comment');
  const shown = id ? document.getElementById(`comment-${id}`) : null;
  if (!shown) return;
  shown.classList.add('is-linked');
  shown.setAttribute('tabindex', '-1');
  shown.focus({ preventScroll: true });
  // now, not in requestAnimationFrame: Chromium does not run that for an off-screen cross-origin
  // frame, and this one is usually below the article, off-screen (reading the rectangle lays out)
  const top = shown.getBoundingClientRect().top + window.scrollY;
  post({ townhall: 'scroll', top: Math.max(0, Math.floor(top)) });
}

if (framed) document.documentElement.classList.add('is-framed');
const discussion = document.querySelector<HTMLElement>('[data-article-id]');
if (discussion) startDiscussion(discussion);
reportHeight();
post({ townhall: 'ready' });
showLinkedComment();
