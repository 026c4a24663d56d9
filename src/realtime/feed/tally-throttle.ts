import type { Tallies } from '../../articles/tallies';
import type { TallyChangedEvent } from '../../votes/vote.events';
import { Coalescer } from './coalescer';

/**
 * The tallies of one article's room: at most one `tally` per interval, always the newest
 * version, never an older one after a newer.
 */
export class TallyThrottle {
  /** The version and tallies last sent (or read at the start): what a new subscriber is told. */
  version: number;
  tallies: Tallies;
  /** The newest version offered, sent or waiting. */
  private offered: number;
  private readonly coalescer: Coalescer<TallyChangedEvent>;

  constructor(
    start: { version: number; tallies: Tallies },
    intervalMs: number | (() => number),
    send: (event: TallyChangedEvent) => void,
  ) {
    this.version = this.offered = start.version;
    this.tallies = start.tallies;
    this.coalescer = new Coalescer(intervalMs, (event) => {
      this.version = event.version;
      this.tallies = event.tallies;
      send(event);
    });
  }

  offer(event: TallyChangedEvent): void {
    if (event.version <= this.offered) return;
    this.offered = event.version;
    this.coalescer.offer(event);
  }

  /** Nothing more is sent (the feed was released). */
  stop(): void {
    this.coalescer.stop();
  }
}
