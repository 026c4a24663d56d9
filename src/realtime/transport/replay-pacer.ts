/** Replay bytes let out per turn of the event loop (at least one replay per turn). */
export const REPLAY_BYTES_PER_TURN = 2 * 1024 * 1024;
/** Replays waiting for their turn on this instance; more: the subscribe is refused. */
export const MAX_WAITING_REPLAYS = 10_000;

interface Waiting {
  bytes: number;
  resolve(): void;
}

/**
 * Spreads the sending of replays (subscribe acks with `missed` events) over turns of the event
 * loop. A read shared by a hundred subscribes resolves them all at once, and writing a hundred
 * 650 KiB acks in one go blocks the loop for a long moment: every other reader's live events
 * wait behind it. Here each turn lets out about REPLAY_BYTES_PER_TURN of replays, taking one
 * replay from each client address in turn (a storm from one address does not push another
 * address's replay to the back), and between turns the loop serves everything else. Pure
 * scheduling: what a subscribe sends is unchanged.
 */
export class ReplayPacer {
  /** Waiting replays by client address; the Map's order is the round-robin order. */
  private readonly byAddress = new Map<string, Waiting[]>();
  private waiting = 0;
  private scheduled = false;

  constructor(
    private readonly bytesPerTurn = REPLAY_BYTES_PER_TURN,
    private readonly maxWaiting = MAX_WAITING_REPLAYS,
  ) {}

  /** Replays waiting for their turn. */
  get size(): number {
    return this.waiting;
  }

  /**
   * Resolves true when a replay of `bytes` from `address` may be sent (in a later turn of the
   * event loop), or false at once when MAX_WAITING_REPLAYS already wait.
   */
  turn(address: string, bytes: number): Promise<boolean> {
    if (this.waiting >= this.maxWaiting) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let queue = this.byAddress.get(address);
      if (!queue) {
        queue = [];
        this.byAddress.set(address, queue);
      }
      queue.push({ bytes, resolve: () => resolve(true) });
      this.waiting++;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    let sent = 0;
    while (sent < this.bytesPerTurn && this.byAddress.size > 0) {
      const [address, queue] = this.byAddress.entries().next().value as [string, Waiting[]];
      const next = queue.shift()!;
      // this address goes to the back of the round
      this.byAddress.delete(address);
      if (queue.length > 0) this.byAddress.set(address, queue);
      this.waiting--;
      sent += next.bytes;
      next.resolve();
    }
    if (this.byAddress.size > 0) this.schedule();
  }
}
