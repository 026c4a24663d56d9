/** `burst` tokens at most, refilled at `perMs` tokens a millisecond; one event takes one. */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly perMs: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whether any token is left (a cost known only afterwards may then be spent). */
  hasAny(now: number): boolean {
    this.refill(now);
    return this.tokens > 0;
  }

  /** Takes `cost` tokens, going into debt if there are fewer: later calls wait it out. */
  spend(cost: number, now: number): void {
    this.refill(now);
    this.tokens -= cost;
  }

  /** Refilled to `burst`: as if never used. */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + (now - this.at) * this.perMs);
    this.at = now;
  }
}
