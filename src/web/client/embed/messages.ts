/**
 * The messages between embed.js (on the publisher's page) and the frame it made. Each side
 * checks the other's origin and window before it reads one: embed.js accepts only messages
 * from PUBLIC_URL's origin sent by one of its own iframes; the frame only from its parent,
 * on the origin the server checked to be one of the site's.
 */
export type FrameMessage =
  | { townhall: 'ready' }
  | { townhall: 'height'; height: number }
  /** The comment a permalink named is `top` CSS pixels below the frame's top: scroll to it. */
  | { townhall: 'scroll'; top: number };
export type HostMessage = { townhall: 'sso'; token: string } | { townhall: 'logout' };

/** A frame's height is a CSS pixel count between these. */
export const MAX_HEIGHT = 100_000;

export function isFrameMessage(data: unknown): data is FrameMessage {
  const message = data as Partial<{ townhall: unknown; height: unknown; top: unknown }> | null;
  if (typeof message !== 'object' || message === null) return false;
  if (message.townhall === 'ready') return true;
  if (message.townhall === 'scroll') return isHeight(message.top);
  return message.townhall === 'height' && isHeight(message.height);
}

/** A CSS pixel offset within a frame: finite, between 0 and MAX_HEIGHT. */
function isHeight(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_HEIGHT;
}

/** The fragment a comment's permalink puts on the publisher's page (`/comments/:id` → 302). */
export const PERMALINK_FRAGMENT =
  /^#townhall-comment-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export function isHostMessage(data: unknown): data is HostMessage {
  const message = data as Partial<{ townhall: unknown; token: unknown }> | null;
  if (typeof message !== 'object' || message === null) return false;
  if (message.townhall === 'logout') return true;
  return (
    message.townhall === 'sso' &&
    typeof message.token === 'string' &&
    message.token.length > 0 &&
    message.token.length <= 8192
  );
}
