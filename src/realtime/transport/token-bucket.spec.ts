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

describe('TokenBucket with costs known afterwards', () => {
  it('admits while any token is left, lets a cost run into debt, and waits the debt out', () => {
    const bucket = new TokenBucket(1, 1_000, 0); // 1,000 a second, burst 1,000
    expect(bucket.isFull(0)).toBe(true);
    expect(bucket.hasAny(0)).toBe(true);
    bucket.spend(3_000, 0); // 2,000 in debt
    expect(bucket.hasAny(0)).toBe(false);
    expect(bucket.hasAny(2_000)).toBe(false); // exactly paid back: nothing left yet
    expect(bucket.hasAny(2_001)).toBe(true);
    expect(bucket.isFull(2_500)).toBe(false);
    expect(bucket.isFull(3_000)).toBe(true);
  });
});
