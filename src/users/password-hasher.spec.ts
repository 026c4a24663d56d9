import { PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();
  const password = 'correct horse battery';
  let stored: string;

  beforeAll(async () => {
    stored = await hasher.hash(password);
  });

  it('produces scrypt$N$r$p$salt$hash with a 16-byte salt and a 32-byte key', () => {
    expect(stored).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
    const [, n, r, p, salt, key] = stored.split('$');
    expect(Number(n)).toBeGreaterThanOrEqual(2 ** 15);
    expect(Number(r)).toBeGreaterThanOrEqual(8);
    expect(Number(p)).toBeGreaterThanOrEqual(1);
    expect(Buffer.from(salt!, 'base64')).toHaveLength(16);
    expect(Buffer.from(key!, 'base64')).toHaveLength(32);
    expect(stored).not.toContain(password);
  });

  it('verifies the right password', async () => {
    await expect(hasher.verify(password, stored)).resolves.toBe(true);
  });

  it.each([
    ['a wrong password', 'wrong horse battery'],
    ['a different letter case', password.toUpperCase()],
    ['a prefix', password.slice(0, -1)],
    ['an extra character', `${password} `],
    ['the empty string', ''],
  ])('rejects %s', async (_what, attempt) => {
    await expect(hasher.verify(attempt, stored)).resolves.toBe(false);
  });

  it('returns false for an undefined stored hash (unknown user)', async () => {
    await expect(hasher.verify(password, undefined)).resolves.toBe(false);
    await expect(hasher.verify('', undefined)).resolves.toBe(false);
  });

  it.each([
    ['empty', ''],
    ['another scheme', storedWithScheme('bcrypt')],
    ['missing its hash', 'scrypt$32768$8$1$c2FsdHNhbHRzYWx0c2FsdA=='],
    ['a plain password', 'correct horse battery'],
  ])('returns false for a stored hash that is %s', async (_what, value) => {
    await expect(hasher.verify(password, value)).resolves.toBe(false);
  });

  it('returns false for a stored key of another length instead of throwing', async () => {
    const [scheme, n, r, p, salt] = stored.split('$');
    const shortKey = Buffer.alloc(16).toString('base64');
    const corrupt = [scheme, n, r, p, salt, shortKey].join('$');
    await expect(hasher.verify(password, corrupt)).resolves.toBe(false);
  });

  it('gives two different hashes for the same password, both verifying', async () => {
    const again = await hasher.hash(password);
    expect(again).not.toBe(stored);
    expect(again.split('$')[4]).not.toBe(stored.split('$')[4]);
    await expect(hasher.verify(password, again)).resolves.toBe(true);
  });

  it('treats canonically equivalent Unicode spellings as the same password', async () => {
    const composed = 'caf\u00e9-password';
    const decomposed = 'cafe\u0301-password';
    const hash = await hasher.hash(composed);
    await expect(hasher.verify(decomposed, hash)).resolves.toBe(true);
  });
});

function storedWithScheme(scheme: string): string {
  return `${scheme}$32768$8$1$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=`;
}
