/**
 * One read at a time per key (an article); requests that arrive while it runs wait and share
 * the next read, which starts when it ends and covers all of them (`merge`). A request is
 * always answered by a read that started after the request arrived, so it sees nothing older
 * than a read of its own would. A thousand sockets resubscribing at once cost a few queries,
 * not a thousand.
 */
export class CoalescedReads<Request, Result> {
  private readonly keys = new Map<string, KeyState<Request, Result>>();

  /**
   * @param merge one request covering both, or null when they should not share a read (e.g. a
   *   merged range would be too long)
   */
  constructor(
    private readonly read: (key: string, request: Request) => Promise<Result>,
    private readonly merge: (a: Request, b: Request) => Request | null,
  ) {}

  /** Keys with a read in flight or waiting. */
  get size(): number {
    return this.keys.size;
  }

  /** The result of a read of `key` that covers `request` (and may cover others). */
  get(key: string, request: Request): Promise<Result> {
    let state = this.keys.get(key);
    if (!state) {
      state = { running: false, waiting: [] };
      this.keys.set(key, state);
    }
    for (const batch of state.waiting) {
      const merged = this.merge(batch.request, request);
      if (merged !== null) {
        batch.request = merged;
        return batch.result;
      }
    }
    let settle!: Pick<Batch<Request, Result>, 'resolve' | 'reject'>;
    const result = new Promise<Result>((resolve, reject) => (settle = { resolve, reject }));
    state.waiting.push({ request, result, ...settle });
    if (!state.running) this.runNext(key, state);
    return result;
  }

  private runNext(key: string, state: KeyState<Request, Result>): void {
    const batch = state.waiting.shift();
    if (!batch) {
      this.keys.delete(key);
      return;
    }
    state.running = true;
    let reading: Promise<Result>;
    try {
      reading = this.read(key, batch.request);
    } catch (error) {
      reading = Promise.reject(error as Error);
    }
    reading.then(batch.resolve, batch.reject).finally(() => {
      state.running = false;
      this.runNext(key, state);
    });
  }
}

interface Batch<Request, Result> {
  request: Request;
  result: Promise<Result>;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

interface KeyState<Request, Result> {
  running: boolean;
  /** reads not started yet, in arrival order of their first request */
  waiting: Batch<Request, Result>[];
}
