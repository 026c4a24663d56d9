import { randomBytes } from 'node:crypto';

/**
 * A username for a single sign-on user: their name in the allowed characters (3–32 of
 * [A-Za-z0-9_]) with a random suffix, e.g. "Zoë O'Brien" → "Zoe_OBrien_3f9a1c".
 */
export function ssoUsername(displayName: string): string {
  const base = displayName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/['’]/g, '')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 24)
    .replace(/_+$/, '');
  return `${base.length >= 2 ? base : 'reader'}_${randomBytes(3).toString('hex')}`;
}
