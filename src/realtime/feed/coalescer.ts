/**
 * Sends the latest of the values offered, at most once per interval: the first at once, the
 * ones offered within the interval coalesced into the last of them, sent when it ends. The
 * interval may be a function (read at each offer, e.g. a room's size-dependent interval): a
 * value waiting when it grows is still sent when the shorter wait ends, so the gap between two
 * sends is never below the smallest interval it returns.
 */
export class Coalescer<T> {
  private lastSentAt = 0;
  private latest: T | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  private readonly intervalMs: () => number;

  constructor(
    intervalMs: number | (() => number),
    private readonly send: (value: T) => void,
  ) {
    this.intervalMs = typeof intervalMs === 'number' ? () => intervalMs : intervalMs;
  }

  offer(value: T): void {
    if (this.stopped) return;
    this.latest = value;
    if (this.timer) return;
    const wait = this.lastSentAt + this.intervalMs() - Date.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Nothing more is sent. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private flush(): void {
    this.timer = null;
    const latest = this.latest;
    if (this.stopped || latest === null) return;
    this.latest = null;
    this.lastSentAt = Date.now();
    this.send(latest);
  }
}
