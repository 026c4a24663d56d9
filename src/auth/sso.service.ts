import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  createRemoteJWKSet,
  customFetch,
  errors,
  type JWTPayload,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';
import { UnauthorizedError } from '../common/errors/domain-error';
import { guardedFetch, OutboundUrlError } from '../common/net/outbound-url';
import { isPlainText } from '../common/validation/is-plain-text';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { SitesService } from '../sites/sites.service';
import type { SsoProfile } from '../users/users.repository';

/** The furthest ahead an SSO token's `exp` may be. */
const MAX_LIFETIME_S = 24 * 60 * 60;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{1,60}$/;

/**
 * Verifies the token a publisher's server signs for its logged-in user: HS256 with the site's
 * secret (exactly that algorithm), or RS256/ES256 against the site's JWKS; `exp` required and at
 * most 24 h ahead, `sub` and `name` required, `aud` (when present) the site id. Anything else is
 * one 401, and nothing is created.
 */
@Injectable()
export class SsoService {
  private readonly logger = new Logger(SsoService.name);
  private readonly jwks = new Map<string, { url: string; keys: JWTVerifyGetKey }>();

  constructor(
    private readonly sites: SitesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async verify(siteId: string, token: string): Promise<SsoProfile> {
    const keys = await this.sites.ssoKeys(siteId);
    if (!keys) throw new UnauthorizedError('invalid SSO token');
    let payload: JWTPayload;
    try {
      const verified = keys.jwksUrl
        ? await jwtVerify(token, this.remoteKeys(siteId, keys.jwksUrl), {
            algorithms: ['RS256', 'ES256'],
            requiredClaims: ['exp', 'sub'],
          })
        : await jwtVerify(token, new TextEncoder().encode(keys.secret), {
            algorithms: ['HS256'],
            requiredClaims: ['exp', 'sub'],
          });
      payload = verified.payload;
    } catch (error) {
      if (error instanceof OutboundUrlError || (keys.jwksUrl && error instanceof TypeError)) {
        // the token cannot be verified: refused, and the operator told why
        this.logger.warn(`JWKS of site ${siteId} not fetched: ${error.message}`);
        throw new UnauthorizedError('invalid SSO token (the site’s keys are not reachable)');
      }
      if (error instanceof errors.JOSEError || error instanceof TypeError) {
        throw new UnauthorizedError(`invalid SSO token (${describe(error)})`);
      }
      throw error;
    }
    return profileOf(siteId, payload);
  }

  /** One cached JWKS per site (jose refetches it when stale or a key is unknown). */
  private remoteKeys(siteId: string, url: string): JWTVerifyGetKey {
    const cached = this.jwks.get(siteId);
    if (cached?.url === url) return cached.keys;
    const keys = createRemoteJWKSet(new URL(url), {
      [customFetch]: guardedFetch(this.config.allowPrivateUrls, 5_000),
      cacheMaxAge: 10 * 60_000,
      cooldownDuration: 30_000,
    });
    this.jwks.set(siteId, { url, keys });
    return keys;
  }
}

function profileOf(siteId: string, payload: JWTPayload): SsoProfile {
  const refuse = (why: string): never => {
    throw new UnauthorizedError(`invalid SSO token (${why})`);
  };
  const { sub, exp, aud } = payload;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 255 || !isPlainText(sub)) {
    refuse('sub must be a non-empty string of at most 255 characters');
  }
  if (typeof exp !== 'number' || exp - Date.now() / 1000 > MAX_LIFETIME_S) {
    refuse('exp must be at most 24 hours ahead');
  }
  if (
    aud !== undefined &&
    aud !== siteId &&
    !(Array.isArray(aud) && aud.length === 1 && aud[0] === siteId)
  ) {
    refuse('aud must be the site id');
  }
  const name = typeof payload.name === 'string' ? payload.name.trim() : '';
  if (name === '' || !isPlainText(name)) refuse('name must be non-empty text');
  const email = payload.email;
  if (
    email !== undefined &&
    (typeof email !== 'string' || email.length > 254 || !EMAIL.test(email))
  ) {
    refuse('email must be an e-mail address');
  }
  return {
    siteId,
    subject: sub as string,
    displayName: [...name].slice(0, 64).join(''),
    email: typeof email === 'string' ? email : null,
    emailVerified: typeof email === 'string' && payload.email_verified === true,
  };
}

function describe(error: Error): string {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return error.message;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  return 'malformed or not verifiable';
}
