/**
 * One notification of the inbox panel (NotificationsInbox): its headline, a quote of the
 * comment, the time and a "mark read" button while unread; and the bell of the inbox button.
 */
import type { InboxStrings } from '../inbox-i18n';
import type { Notification } from './api';
import { formatDate } from './comment-dom';
import { h } from './dom';

const QUOTE_CHARS = 140;

/** `elsewhere`: the comment is on another article than the frame's (opens in a new tab). */
export function notificationItem(
  item: Notification,
  t: InboxStrings,
  elsewhere: boolean,
): HTMLLIElement {
  const { comment } = item;
  const unread = item.readAt === null;
  const author = comment.author?.displayName ?? '';
  const text = comment.body === null ? t.noText : quote(comment.body);
  const link = h(
    'a',
    {
      class: 'inbox__link',
      // the permalink leads to the publisher's page of that article, or to the reader page
      href: `/comments/${encodeURIComponent(comment.id)}`,
      'data-notification': item.id,
      target: elsewhere ? '_blank' : undefined,
      rel: elsewhere ? 'noopener' : undefined,
    },
    h('span', { class: 'inbox__headline' }, t.headline(item.type, author)),
    h('span', { class: 'inbox__quote' }, text),
  );
  return h(
    'li',
    {
      class: `inbox__item${unread ? ' is-unread' : ''}`,
      'data-inbox-item': item.id,
      'data-unread': unread ? 'true' : 'false',
    },
    unread ? h('span', { class: 'inbox__sr' }, `${t.unread}: `) : null,
    link,
    h('time', { class: 'inbox__time', datetime: item.createdAt }, formatDate(item.createdAt)),
    unread
      ? h(
          'button',
          { type: 'button', class: 'link-button', 'data-inbox-read': item.id },
          t.markRead,
        )
      : null,
  );
}

/** A bell drawn inline (no icon font, no emoji font needed). */
export function bell(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'inbox__bell');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute(
    'd',
    'M12 22a2.5 2.5 0 0 0 2.5-2.5h-5A2.5 2.5 0 0 0 12 22zm7-6v-5a7 7 0 0 0-5-6.7v-.8a2 2 0 0 0-4 0v.8A7 7 0 0 0 5 11v5l-2 2v1h18v-1z',
  );
  path.setAttribute('fill', 'currentColor');
  svg.append(path);
  return svg;
}

function quote(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return `“${flat.length > QUOTE_CHARS ? `${flat.slice(0, QUOTE_CHARS - 1)}…` : flat}”`;
}
