import { escapeHtml } from '../web/views/html';
import type { OutgoingMail } from './mail-transport.service';
import type { NotificationMail } from './mail.repository';

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

/** Plain text and simple HTML of one notification mail, with its unsubscribe link and headers. */
export function notificationMail(
  mail: NotificationMail & { email: string },
  links: { comment: string; unsubscribe: string },
  publicUrl: string,
): OutgoingMail {
  const subject = `${SUBJECTS[mail.type] ?? 'Notification'}: ${mail.articleTitle}`;
  const lead =
    mail.type === 'reply'
      ? `${mail.authorName} replied to your comment on "${mail.articleTitle}":`
      : `${SUBJECTS[mail.type] ?? 'Notification'} on "${mail.articleTitle}":`;
  const text = [
    lead,
    '',
    quote(mail.body),
    '',
    `Read it: ${links.comment}`,
    '',
    `No more mails: ${links.unsubscribe}`,
  ].join('\n');
  const html = `<p>${escapeHtml(lead)}</p>
<blockquote>${escapeHtml(mail.body).replace(/\n/g, '<br>')}</blockquote>
<p><a href="${escapeHtml(links.comment)}">Read it</a></p>
<p style="font-size:small"><a href="${escapeHtml(links.unsubscribe)}">No more mails</a></p>`;
  return {
    to: mail.email,
    subject,
    text,
    html,
    messageId: messageId('notification', mail.notificationId, publicUrl),
    headers: {
      'List-Unsubscribe': `<${links.unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
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
