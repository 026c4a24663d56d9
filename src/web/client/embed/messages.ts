/**
 * The messages between embed.js (on the publisher's page) and the frame it made. Each side
 * checks the other's origin and window before it reads one: embed.js accepts only messages
 * from PUBLIC_URL's origin sent by one of its own iframes; the frame only from its parent,
 * on the origin the server checked to be one of the site's.
 */
export type FrameMessage = { townhall: 'ready' } | { townhall: 'height'; height: number };
export type HostMessage = { townhall: 'sso'; token: string } | { townhall: 'logout' };

/** A frame's height is a CSS pixel count between these. */
export const MAX_HEIGHT = 100_000;

export function isFrameMessage(data: unknown): data is FrameMessage {
  const message = data as Partial<{ townhall: unknown; height: unknown }> | null;
  if (typeof message !== 'object' || message === null) return false;
  if (message.townhall === 'ready') return true;
  return (
    message.townhall === 'height' &&
    typeof message.height === 'number' &&
    Number.isFinite(message.height) &&
    message.height >= 0 &&
    message.height <= MAX_HEIGHT
  );
}

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
