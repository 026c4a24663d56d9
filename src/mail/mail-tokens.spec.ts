import { MailTokens } from './mail-tokens';

describe('MailTokens', () => {
  const tokens = new MailTokens('a-secret-that-is-long-enough-for-tests');
  const exp = Math.floor(Date.now() / 1000) + 60;

  it('verifies its own tokens for their purpose only', () => {
    const token = tokens.sign({ purpose: 'unsubscribe', userId: 'u1', exp });
    expect(tokens.verify(token, 'unsubscribe')).toMatchObject({ userId: 'u1' });
    expect(tokens.verify(token, 'verify-email')).toBeNull();
  });

  it('refuses forged, altered, expired and malformed tokens', () => {
    const token = tokens.sign({ purpose: 'unsubscribe', userId: 'u1', exp });
    const [payload, mac] = token.split('.') as [string, string];
    const other = Buffer.from(
      JSON.stringify({ purpose: 'unsubscribe', userId: 'u2', exp }),
    ).toString('base64url');
    expect(tokens.verify(`${other}.${mac}`, 'unsubscribe')).toBeNull();
    expect(tokens.verify(`${payload}.${mac.slice(1)}x`, 'unsubscribe')).toBeNull();
    expect(
      new MailTokens('another-secret-of-enough-length!!').verify(token, 'unsubscribe'),
    ).toBeNull();
    const expired = tokens.sign({ purpose: 'unsubscribe', userId: 'u1', exp: 1 });
    expect(tokens.verify(expired, 'unsubscribe')).toBeNull();
    for (const bad of ['', 'x', 'a.b.c', `${payload}.`, '.abc']) {
      expect(tokens.verify(bad, 'unsubscribe')).toBeNull();
    }
  });
});
