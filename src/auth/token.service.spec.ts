import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { ACCESS_TOKEN_TTL_SECONDS, type AccessClaims, TokenService } from './token.service';

const NOW_MS = Date.UTC(2030, 0, 1, 12, 0, 0);
const NOW = NOW_MS / 1000;
const SUB = '3f2b8c1e-9d4a-4b7e-8f61-2a5c9e0d7b13';
const SECRET = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCd'.padEnd(43, 'x');

function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

describe('TokenService', () => {
  describe('parseRefreshToken', () => {
    it('accepts <uuid>.<43-char base64url> and splits it', () => {
      expect(SECRET).toHaveLength(43);
      expect(TokenService.parseRefreshToken(`${SUB}.${SECRET}`)).toEqual({
        id: SUB,
        secret: SECRET,
      });
    });

    it('round-trips what formatRefreshToken and newRefreshSecret produce', () => {
      const service = new TokenService(new JwtService());
      for (let i = 0; i < 20; i++) {
        const id = randomUUID();
        const { secret } = service.newRefreshSecret();
        expect(TokenService.parseRefreshToken(TokenService.formatRefreshToken(id, secret))).toEqual(
          { id, secret },
        );
      }
    });

    it.each([
      ['an empty string', ''],
      ['a lone dot', '.'],
      ['no dot', `${SUB}${SECRET}`],
      ['no secret', `${SUB}.`],
      ['no id', `.${SECRET}`],
      ['a bare uuid', SUB],
      ['an extra part', `${SUB}.${SECRET}.x`],
      ['a trailing dot', `${SUB}.${SECRET}.`],
      ['an id that is not a uuid', `not-a-uuid.${SECRET}`],
      ['an id with a non-hex character', `${SUB.slice(0, -1)}g.${SECRET}`],
      ['an id without hyphens', `${SUB.replaceAll('-', '')}.${SECRET}`],
      ['a secret one character short', `${SUB}.${SECRET.slice(0, 42)}`],
      ['a secret one character long', `${SUB}.${SECRET}x`],
      ['a secret with +', `${SUB}.${SECRET.slice(0, 42)}+`],
      ['a secret with /', `${SUB}.${SECRET.slice(0, 42)}/`],
      ['a secret with base64 padding', `${SUB}.${SECRET.slice(0, 42)}=`],
      ['a secret with a space', `${SUB}.${SECRET.slice(0, 42)} `],
      ['leading whitespace', ` ${SUB}.${SECRET}`],
      ['a trailing newline', `${SUB}.${SECRET}\n`],
      ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'],
    ])('rejects %s', (_what, token) => {
      expect(TokenService.parseRefreshToken(token)).toBeNull();
    });
  });

  describe('newRefreshSecret', () => {
    it('returns a fresh 43-char base64url secret and its SHA-256, never the secret itself', () => {
      const service = new TokenService(new JwtService());
      const first = service.newRefreshSecret();
      const second = service.newRefreshSecret();
      expect(first.secret).toMatch(/^[\w-]{43}$/);
      expect(first.secret).not.toBe(second.secret);
      expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(first.hash).not.toContain(first.secret);
      expect(TokenService.secretMatches(first.secret, first.hash)).toBe(true);
      expect(TokenService.secretMatches(second.secret, first.hash)).toBe(false);
    });
  });

  describe('secretMatches', () => {
    it('is true for the secret whose hash is stored', () => {
      expect(TokenService.secretMatches(SECRET, sha256Hex(SECRET))).toBe(true);
    });

    it('is false for another secret', () => {
      const other = randomBytes(32).toString('base64url');
      expect(TokenService.secretMatches(other, sha256Hex(SECRET))).toBe(false);
      expect(TokenService.secretMatches(`${SECRET.slice(0, 42)}y`, sha256Hex(SECRET))).toBe(false);
    });

    it('is false when the stored value is the plain secret rather than its hash', () => {
      expect(TokenService.secretMatches(SECRET, SECRET)).toBe(false);
    });

    it.each([
      ['empty', ''],
      ['truncated', sha256Hex(SECRET).slice(0, 62)],
      ['too long', `${sha256Hex(SECRET)}00`],
      ['not hex', 'z'.repeat(64)],
      ['upper-case garbage', 'G'.repeat(64)],
    ])('is false (and does not throw) for a stored hash that is %s', (_what, stored) => {
      expect(TokenService.secretMatches(SECRET, stored)).toBe(false);
    });
  });

  describe('checkClaims', () => {
    beforeEach(() => {
      jest.spyOn(Date, 'now').mockReturnValue(NOW_MS);
    });
    afterEach(() => {
      jest.restoreAllMocks();
    });

    const valid = (): AccessClaims => ({ sub: SUB, iat: NOW, exp: NOW + 600 });

    it('returns the claims of a valid token, and only sub, iat and exp', () => {
      const claims = { ...valid(), iss: 'townhall', aud: 'townhall', role: 'admin' };
      expect(TokenService.checkClaims(claims)).toEqual(valid());
    });

    it('accepts a token living exactly the access-token lifetime', () => {
      const claims = { sub: SUB, iat: NOW, exp: NOW + ACCESS_TOKEN_TTL_SECONDS };
      expect(TokenService.checkClaims(claims)).toEqual(claims);
    });

    it('tolerates an iat a few seconds ahead (clock skew)', () => {
      const claims = { sub: SUB, iat: NOW + 5, exp: NOW + 600 };
      expect(TokenService.checkClaims(claims)).toEqual(claims);
    });

    it('rejects a missing exp', () => {
      expect(TokenService.checkClaims({ sub: SUB, iat: NOW })).toBeNull();
    });

    it('rejects a non-numeric exp', () => {
      const claims = { ...valid(), exp: String(NOW + 600) } as unknown as AccessClaims;
      expect(TokenService.checkClaims(claims)).toBeNull();
    });

    it('rejects an exp in the past or exactly now', () => {
      expect(TokenService.checkClaims({ sub: SUB, iat: NOW - 700, exp: NOW - 100 })).toBeNull();
      expect(TokenService.checkClaims({ sub: SUB, iat: NOW - 600, exp: NOW })).toBeNull();
    });

    it('rejects a missing iat', () => {
      expect(TokenService.checkClaims({ sub: SUB, exp: NOW + 600 })).toBeNull();
    });

    it('rejects an iat in the future beyond the clock skew', () => {
      expect(TokenService.checkClaims({ sub: SUB, iat: NOW + 3600, exp: NOW + 3900 })).toBeNull();
      expect(TokenService.checkClaims({ sub: SUB, iat: NOW + 61, exp: NOW + 600 })).toBeNull();
    });

    it('rejects a lifetime longer than the access-token lifetime', () => {
      const tooLong = { sub: SUB, iat: NOW, exp: NOW + ACCESS_TOKEN_TTL_SECONDS + 1 };
      expect(TokenService.checkClaims(tooLong)).toBeNull();
      expect(TokenService.checkClaims({ sub: SUB, iat: NOW, exp: NOW + 30 * 86400 })).toBeNull();
    });

    it.each([
      ['missing', undefined],
      ['a number', 42],
      ['a username', 'ada_l'],
      ['empty', ''],
      ['a uuid with extra text', `${SUB}' OR '1'='1`],
      ['a uuid without hyphens', SUB.replaceAll('-', '')],
    ])('rejects a sub that is %s', (_what, sub) => {
      const claims = { ...valid(), sub } as unknown as AccessClaims;
      expect(TokenService.checkClaims(claims)).toBeNull();
    });
  });
});
