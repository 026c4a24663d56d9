import { assertPublicDestination, isPublicAddress, outboundUrlProblem } from './outbound-url';

describe('outbound URLs', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '0.0.0.0',
    '100.64.0.1',
    '::1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '224.0.0.1',
    'not an address',
  ])('refuses %s as not public', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111'])('accepts %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('accepts only https URLs without credentials, unless private URLs are allowed', () => {
    expect(outboundUrlProblem('https://keys.example/jwks.json', false)).toBeNull();
    expect(outboundUrlProblem('http://keys.example/jwks.json', false)).toMatch(/https/);
    expect(outboundUrlProblem('http://keys.example/jwks.json', true)).toBeNull();
    expect(outboundUrlProblem('https://user:pw@keys.example/', false)).toMatch(/credentials/);
    expect(outboundUrlProblem('ftp://keys.example/', true)).toMatch(/http/);
    expect(outboundUrlProblem('keys.example/jwks', false)).toMatch(/absolute/);
    expect(outboundUrlProblem('https://127.0.0.1/jwks', false)).toMatch(/loopback/);
    expect(outboundUrlProblem('https://[::1]/jwks', false)).toMatch(/loopback/);
    expect(outboundUrlProblem('https://127.0.0.1/jwks', true)).toBeNull();
  });

  it('checks where a name resolves to', async () => {
    await expect(assertPublicDestination('https://localhost/x', false)).rejects.toThrow(
      /not a public address/,
    );
    await expect(assertPublicDestination('http://localhost/x', true)).resolves.toBeUndefined();
  });
});
