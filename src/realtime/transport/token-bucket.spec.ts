import { TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  it('gives the burst at once, then refills at the rate, never beyond the burst', () => {
    const bucket = new TokenBucket(20 / 1000, 50, 0);
    const served = Array.from({ length: 60 }, () => bucket.take(0)).filter(Boolean);
    expect(served).toHaveLength(50);
    expect(bucket.take(0)).toBe(false);

    expect(bucket.take(49)).toBe(false); // 0.98 of a token
    expect(bucket.take(50)).toBe(true); // one token after 50 ms at 20/s
    expect(bucket.take(50)).toBe(false);

    const later = Array.from({ length: 60 }, () => bucket.take(60_000)).filter(Boolean);
    expect(later).toHaveLength(50);
  });
});
