import { OverloadedError } from '../errors/domain-error';

export interface GroupCommitOptions<C, R, O> {
  /** Batches in flight at once; changes of one `laneOf` always go to the same lane. */
  lanes: number;
  /** The most changes one batch takes. */
  maxBatch: number;
  /** The most changes waiting or being written at once; past it a change is refused at once. */
  maxQueued: number;
  /** Changes of one key never share a batch (the later waits for the next, in order). */
  keyOf(change: C): string;
  /** What picks the lane (e.g. the row the batch locks). */
  laneOf(change: C): string;
  /** Writes a batch (distinct keys) in one transaction; resolves after its COMMIT. */
  write(batch: readonly C[]): Promise<R>;
  /** After each COMMIT, before its changes are answered (e.g. publish the new counters). */
  committed(result: R): void;
  /** Each change's answer from its batch's result: a value, or an error to reject it with. */
  outcome(change: C, result: R): O | Error;
  /**
   * A failure that may be one change's fault (a constraint, a bug), not the batch's (a domain
   * error, the database down): each change of the batch is then retried alone, so the error
   * lands on the change it belongs to.
   */
  isolatable(error: unknown): boolean;
  warn(message: string): void;
}

interface Pending<C, O> {
  change: C;
  key: string;
  resolve(outcome: O): void;
  reject(error: unknown): void;
}

/**
 * Group commit: the changes that arrive while a lane's transaction commits are written together
 * in its next one. Every change is still durable, exact and answered only after its COMMIT, but
 * one transaction and one row lock serve many. Two changes of one key never share a batch, so
 * answers follow the order in which each key's changes came in. Taking a batch costs O(batch
 * size), however long the queue.
 */
export class GroupCommit<C, R, O> {
  private readonly lanes: Lane<C, O>[];
  private readonly idle = new Set<() => void>();

  constructor(private readonly options: GroupCommitOptions<C, R, O>) {
    this.lanes = Array.from({ length: options.lanes }, () => new Lane<C, O>());
  }

  /** Rejects with OverloadedError, writing nothing, when maxQueued changes are in the queue. */
  submit(change: C): Promise<O> {
    if (this.size >= this.options.maxQueued) {
      return Promise.reject(new OverloadedError('too many votes waiting; try again in a second'));
    }
    return new Promise((resolve, reject) => {
      const lane = this.lanes[laneIndex(this.options.laneOf(change), this.lanes.length)]!;
      lane.push({ change, key: this.options.keyOf(change), resolve, reject });
      if (!lane.running) {
        this.drain(lane).catch((error: unknown) =>
          this.options.warn(`lane stopped: ${(error as Error).stack ?? String(error)}`),
        );
      }
    });
  }

  /** Changes waiting or being written, across lanes. */
  get size(): number {
    return this.lanes.reduce((sum, lane) => sum + lane.size + lane.writing, 0);
  }

  /** Resolves once every change submitted so far has been committed and answered. */
  drained(): Promise<void> {
    if (this.lanes.every((lane) => !lane.running)) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  /** Commits the lane's waiting changes batch after batch until none is left; never rejects. */
  private async drain(lane: Lane<C, O>): Promise<void> {
    lane.running = true;
    try {
      while (lane.size > 0) {
        const batch = lane.take(this.options.maxBatch);
        lane.writing = batch.length;
        await this.commit(batch);
        lane.writing = 0;
      }
    } finally {
      lane.running = false;
      if (this.lanes.every((other) => !other.running)) {
        this.idle.forEach((resolve) => resolve());
        this.idle.clear();
      }
    }
  }

  /** One transaction for `batch`; settles every change in it and never throws. */
  private async commit(batch: Pending<C, O>[]): Promise<void> {
    let result: R;
    try {
      result = await this.options.write(batch.map((pending) => pending.change));
    } catch (error) {
      if (batch.length > 1 && this.options.isolatable(error)) {
        this.options.warn(`a batch of ${batch.length} failed, retrying one by one: ${error}`);
        for (const pending of batch) await this.commit([pending]);
        return;
      }
      for (const pending of batch) pending.reject(error);
      return;
    }
    try {
      this.options.committed(result);
    } catch (error) {
      this.options.warn(`after-commit step failed: ${(error as Error).message}`);
    }
    for (const pending of batch) {
      const outcome = this.options.outcome(pending.change, result);
      if (outcome instanceof Error) pending.reject(outcome);
      else pending.resolve(outcome);
    }
  }
}

/**
 * One lane's waiting changes: a FIFO per key, and the keys in the order they became ready. A
 * batch takes the first change of each of the first keys; a key with more waits for the next.
 */
class Lane<C, O> {
  running = false;
  /** Changes waiting for a batch. */
  size = 0;
  /** Changes of the batch being written. */
  writing = 0;
  private readonly byKey = new Map<string, Pending<C, O>[]>();
  private ready: string[] = [];
  private head = 0;

  push(pending: Pending<C, O>): void {
    const queue = this.byKey.get(pending.key);
    if (queue) queue.push(pending);
    else {
      this.byKey.set(pending.key, [pending]);
      this.ready.push(pending.key);
    }
    this.size++;
  }

  take(max: number): Pending<C, O>[] {
    const batch: Pending<C, O>[] = [];
    const again: string[] = [];
    while (batch.length < max && this.head < this.ready.length) {
      const key = this.ready[this.head++]!;
      const queue = this.byKey.get(key)!;
      batch.push(queue.shift()!);
      if (queue.length > 0) again.push(key);
      else this.byKey.delete(key);
    }
    if (this.head > 1024 && this.head * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.head);
      this.head = 0;
    }
    for (const key of again) this.ready.push(key);
    this.size -= batch.length;
    return batch;
  }
}

/** The lane of a key: the same one every time. */
function laneIndex(key: string, lanes: number): number {
  let hash = 0;
  for (let i = 0; i < key.length; i++) hash = (hash * 31 + key.charCodeAt(i)) | 0;
  return Math.abs(hash) % lanes;
}
