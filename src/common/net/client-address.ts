import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/**
 * TRUST_PROXY as read from the environment: which peers may name the client in
 * `X-Forwarded-For`. null (the default): none, the client is the TCP peer.
 */
export type TrustProxySetting = { hops: number } | { addresses: string[] } | null;

/** Whether the peer at `address`, `hop` steps away from us, is a trusted proxy. */
export type TrustProxy = (address: string, hop: number) => boolean;

/** The predicate of a setting (addresses already validated by `parseTrustProxy`). */
export function compileTrustProxy(setting: TrustProxySetting): TrustProxy | null {
  if (setting === null) return null;
  if ('hops' in setting) return (_address, hop) => hop < setting.hops;
  return proxyaddr.compile(setting.addresses);
}

/**
 * `loopback`, `uniquelocal`, addresses and CIDR ranges (comma-separated), or a number of hops
 * (the nearest N proxies whatever their address). Returns an error message for anything else.
 */
export function parseTrustProxy(value: string): TrustProxySetting | string {
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return hops >= 1 && hops <= 10 ? { hops } : 'must be a number of hops from 1 to 10';
  }
  const addresses = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (addresses.length === 0) return 'must name addresses, CIDR ranges or a number of hops';
  try {
    proxyaddr.compile(addresses);
  } catch (error) {
    return `must name addresses, CIDR ranges, loopback, linklocal, uniquelocal or a number of hops (${(error as Error).message})`;
  }
  return { addresses };
}

/** The client's address: the TCP peer, or with trusted proxies the first untrusted hop. */
export function clientAddress(request: IncomingMessage, trust: TrustProxy | null): string {
  if (trust === null) return request.socket.remoteAddress ?? 'unknown';
  return proxyaddr(request, trust) || 'unknown';
}
