import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The guard of every request Townhall makes to a URL someone else chose (a site's JWKS, a
 * webhook): only https to public addresses, checked after DNS resolution at each request, so a
 * name that later resolves to 127.0.0.1 or 169.254.169.254 is refused then. WEBHOOK_ALLOW_PRIVATE
 * lifts it (http: and private addresses) for tests and intranets.
 */

export class OutboundUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundUrlError';
  }
}

/** Why `raw` may not be used as an outbound URL, or null when it may (syntax only). */
export function outboundUrlProblem(raw: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    return allowPrivate ? 'must be an http: or https: URL' : 'must be an https: URL';
  }
  if (url.username || url.password) return 'must not contain credentials';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host) && !isPublicAddress(host)) {
    return 'must not point to a loopback, private or link-local address';
  }
  return null;
}

/** Unicast addresses on the public internet: not loopback, private, link-local, ULA, … */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === 'unicast';
}

/** Resolves the URL's host and refuses it unless every address is public (or allowed). */
export async function assertPublicDestination(raw: string, allowPrivate: boolean): Promise<void> {
  const problem = outboundUrlProblem(raw, allowPrivate);
  if (problem) throw new OutboundUrlError(`URL ${problem}`);
  if (allowPrivate) return;
  const host = new URL(raw).hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host)
    ? [host]
    : (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
  const blocked = addresses.find((address) => !isPublicAddress(address));
  if (blocked !== undefined) {
    throw new OutboundUrlError(`${host} resolves to ${blocked}, which is not a public address`);
  }
}

/**
 * `fetch` for URLs someone else chose: the destination is checked first, redirects are not
 * followed, and the request is aborted after `timeoutMs`.
 */
export function guardedFetch(
  allowPrivate: boolean,
  timeoutMs: number,
): (url: string, init?: RequestInit) => Promise<Response> {
  return async (url, init = {}) => {
    await assertPublicDestination(url, allowPrivate);
    return fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  };
}
