import { escapeHtml } from '../web/views/html';
import type { OutgoingMail } from './mail-transport.service';
import type { DigestItem } from './digests.repository';

const SUBJECTS: Record<string, string> = {
  reply: 'New reply to your comment',
  'comment.approved': 'Your comment was approved',
  'comment.rejected': 'Your comment was rejected',
  'comment.removed': 'Your comment was removed',
  'comment.featured': 'Your comment was featured',
};

/** `<…@host>` of PUBLIC_URL: Message-IDs are stable per cause and unique per server. */
export function messageId(kind: string, id: string, publicUrl: string): string {
  return `<${kind}-${id}@${new URL(publicUrl).hostname}>`;
}

function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

export function verificationMail(
  to: string,
  link: string,
  id: string,
  unsubscribe: string,
  publicUrl: string,
): OutgoingMail {
  const text = `Please confirm that this address is yours:\n\n${link}\n\nThe link works for 24 hours. If you did not ask for it, ignore this mail.`;
  return {
    to,
    subject: 'Confirm your e-mail address',
    text,
    html: `<p>Please confirm that this address is yours:</p><p><a href="${escapeHtml(link)}">Confirm my address</a></p><p>The link works for 24 hours. If you did not ask for it, ignore this mail.</p>`,
    messageId: messageId('verify', id, publicUrl),
    headers: {
      'List-Unsubscribe': `<${unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}

/** Where each notification of a digest links, and the mail's unsubscribe link. */
export interface DigestLinks {
  comment(item: DigestItem): string;
  unsubscribe: string;
}

function leadOf(item: DigestItem): string {
  return item.type === 'reply'
    ? `${item.authorName} replied to your comment on "${item.articleTitle}":`
    : `${SUBJECTS[item.type] ?? 'Notification'} on "${item.articleTitle}":`;
}

/**
 * The mail of a digest: one notification reads as the single-notification mail (and keeps its
 * Message-ID), several are listed, each quoted with its link. `more` counts those not listed.
 */
export function digestMail(
  digest: { id: string; kind: 'immediate' | 'daily'; email: string; items: DigestItem[] },
  more: number,
  links: DigestLinks,
  publicUrl: string,
): OutgoingMail {
  const { items } = digest;
  const total = items.length + more;
  const first = items[0]!;
  const subject =
    digest.kind === 'daily'
      ? `Your daily digest: ${total === 1 ? '1 notification' : `${total} notifications`}`
      : total === 1
        ? `${SUBJECTS[first.type] ?? 'Notification'}: ${first.articleTitle}`
        : `${total} new notifications`;
  const text = [
    ...items.flatMap((item) => [
      leadOf(item),
      '',
      quote(item.body),
      '',
      `Read it: ${links.comment(item)}`,
      '',
    ]),
    ...(more > 0 ? [`… and ${more} more.`, ''] : []),
    `No more mails: ${links.unsubscribe}`,
  ].join('\n');
  const html = [
    ...items.map(
      (item) => `<p>${escapeHtml(leadOf(item))}</p>
<blockquote>${escapeHtml(item.body).replace(/\n/g, '<br>')}</blockquote>
<p><a href="${escapeHtml(links.comment(item))}">Read it</a></p>`,
    ),
    ...(more > 0 ? [`<p>… and ${more} more.</p>`] : []),
    `<p style="font-size:small"><a href="${escapeHtml(links.unsubscribe)}">No more mails</a></p>`,
  ].join('\n');
  return {
    to: digest.email,
    subject,
    text,
    html,
    messageId:
      total === 1
        ? messageId('notification', first.notificationId, publicUrl)
        : messageId('digest', digest.id, publicUrl),
    headers: {
      'List-Unsubscribe': `<${links.unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}
