import { createHmac, timingSafeEqual } from 'node:crypto';

export type MailTokenPurpose = 'verify-email' | 'unsubscribe';

export interface MailTokenClaims {
  purpose: MailTokenPurpose;
  userId: string;
  /** For `verify-email`: the address being verified (a later change makes the token void). */
  email?: string;
  /** Epoch seconds. */
  exp: number;
}

/**
 * Signed links in mails, usable without login: base64url JSON claims, a dot, and an HMAC-SHA256
 * of them under a key derived from JWT_SECRET for mail links only. Anything forged, altered,
 * expired or of another purpose is refused (null).
 */
export class MailTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('townhall mail links').digest();
  }

  sign(claims: MailTokenClaims): string {
    const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  verify(token: string, purpose: MailTokenPurpose, now = Date.now()): MailTokenClaims | null {
    const [payload, mac, extra] = token.split('.');
    if (!payload || !mac || extra !== undefined) return null;
    const expected = Buffer.from(this.mac(payload), 'utf8');
    const given = Buffer.from(mac, 'utf8');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    let claims: MailTokenClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as MailTokenClaims;
    } catch {
      return null;
    }
    if (claims.purpose !== purpose || typeof claims.userId !== 'string') return null;
    if (typeof claims.exp !== 'number' || claims.exp * 1000 < now) return null;
    return claims;
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}

/** The signed one-click unsubscribe link of a user, valid until `exp` (epoch seconds). */
export function unsubscribeLink(
  tokens: MailTokens,
  publicUrl: string,
  userId: string,
  exp: number,
): string {
  return `${publicUrl}/unsubscribe?token=${tokens.sign({ purpose: 'unsubscribe', userId, exp })}`;
}
