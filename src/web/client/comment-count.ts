import type { CommentPayload } from '../../realtime/contract';

type Status = CommentPayload['status'];

/**
 * "Comments (N)": visible comments. Set exactly by every subscribe ack, and kept between
 * acks from the live events alone, by the status each comment had before the event (the
 * page's own actions show their result at once but must not count twice).
 */
export class CommentCount {
  private readonly statuses = new Map<string, Status>();

  constructor(
    private readonly label: HTMLElement,
    private count = Number(label.textContent) || 0,
  ) {}

  /** What the page shows after a (re)load. */
  seed(statuses: [string, Status][]): void {
    for (const [id, status] of statuses) this.statuses.set(id, status);
  }

  set(count: number): void {
    this.count = Math.max(0, count);
    this.label.textContent = String(this.count);
  }

  created(id: string): void {
    this.statuses.set(id, 'visible');
    this.set(this.count + 1);
  }

  /** Edited (no change) or restored (one more). */
  updated(id: string, status: Status): void {
    const before = this.statuses.get(id);
    this.statuses.set(id, status);
    if (status === 'visible' && (before === 'removed' || before === 'deleted')) {
      this.set(this.count + 1);
    }
  }

  /** One fewer, unless it was hidden already (a removed comment its author then deleted). */
  removed(id: string, status: Status): void {
    const before = this.statuses.get(id);
    this.statuses.set(id, status);
    if (before === undefined || before === 'visible') this.set(this.count - 1);
  }
}
