import type { IncomingMessage } from 'node:http';
import { clientAddress, compileTrustProxy, parseTrustProxy } from './client-address';

function requestFrom(peer: string, forwardedFor?: string): IncomingMessage {
  return {
    socket: { remoteAddress: peer },
    connection: { remoteAddress: peer },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  } as unknown as IncomingMessage;
}

const trust = (value: string) => {
  const setting = parseTrustProxy(value);
  if (typeof setting === 'string') throw new Error(setting);
  return compileTrustProxy(setting);
};

describe('clientAddress', () => {
  it('is the TCP peer when no proxy is trusted, whatever the header says', () => {
    expect(clientAddress(requestFrom('127.0.0.1', '203.0.113.9'), null)).toBe('127.0.0.1');
  });

  it('is the first untrusted hop, right to left, behind trusted proxies', () => {
    const behindTwo = requestFrom('10.0.0.2', '198.51.100.4, 203.0.113.9, 10.0.0.1');
    expect(clientAddress(behindTwo, trust('10.0.0.0/8'))).toBe('203.0.113.9');
    // an address the client wrote itself (left of the first untrusted hop) is never taken
    expect(clientAddress(behindTwo, trust('2'))).toBe('203.0.113.9');
    expect(clientAddress(behindTwo, trust('1'))).toBe('10.0.0.1');
  });

  it('is the peer when the peer is not a trusted proxy', () => {
    expect(clientAddress(requestFrom('192.0.2.1', '203.0.113.9'), trust('loopback'))).toBe(
      '192.0.2.1',
    );
  });
});

describe('parseTrustProxy', () => {
  it.each(['true', '0', '11', '10.0.0.0/33', 'proxy.example', ',,'])('refuses %j', (value) => {
    expect(typeof parseTrustProxy(value)).toBe('string');
  });
});
