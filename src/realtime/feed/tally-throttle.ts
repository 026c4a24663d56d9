import type { Tallies } from '../../articles/tallies';
import type { TallyChangedEvent } from '../../votes/vote.events';

/**
 * The tallies of one article's room: at most one `tally` per interval, always the newest
 * version, never an older one after a newer. Votes arriving within an interval are coalesced
 * into the last of them.
 */
export class TallyThrottle {
  /** The version and tallies last sent (or read at the start): what a new subscriber is told. */
  version: number;
  tallies: Tallies;
  private lastSentAt = 0;
  private latest: TallyChangedEvent | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    start: { version: number; tallies: Tallies },
    private readonly intervalMs: number,
    private readonly send: (event: TallyChangedEvent) => void,
  ) {
    this.version = start.version;
    this.tallies = start.tallies;
  }

  offer(event: TallyChangedEvent): void {
    if (this.stopped || event.version <= this.version) return;
    if (this.latest && this.latest.version >= event.version) return;
    this.latest = event;
    if (this.timer) return;
    const wait = this.lastSentAt + this.intervalMs - Date.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Nothing more is sent (the feed was released). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private flush(): void {
    this.timer = null;
    const latest = this.latest;
    if (this.stopped || !latest || latest.version <= this.version) return;
    this.latest = null;
    this.version = latest.version;
    this.tallies = latest.tallies;
    this.lastSentAt = Date.now();
    this.send(latest);
  }
}
