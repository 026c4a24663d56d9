import type { Tallies } from '../articles/tallies';
import { NotFoundError, OverloadedError } from '../common/errors/domain-error';
import type { Dimension, VoteValue } from './vote.entity';

/** One user's vote on one dimension of one article; `value: null` is no vote (retracted). */
export interface VoteChange {
  articleId: string;
  userId: string;
  dimension: Dimension;
  value: VoteValue | null;
}

export interface VoteOutcome {
  tallies: Tallies;
  myVote: VoteValue | null;
}

/** What one committed batch did. */
export interface BatchResult {
  /** The counters after the batch of every article of the batch that exists. */
  tallies: Map<string, { tallies: Tallies; version: number }>;
  /** The articles whose counters the batch changed. */
  changed: Set<string>;
}

export interface VoteBatcherOptions {
  /** Batches in flight at once; an article always goes to the same lane. */
  lanes: number;
  /** The most votes one batch takes. */
  maxBatch: number;
  /** The most votes waiting or being written at once; past it a vote is refused at once. */
  maxQueued: number;
  /** Writes a batch (distinct keys) in one transaction; resolves after its COMMIT. */
  write(batch: readonly VoteChange[]): Promise<BatchResult>;
  /** After each COMMIT, before its votes are answered (e.g. publish the new tallies). */
  committed(result: BatchResult): void;
  /**
   * A failure that may be one vote's fault (a constraint, a bug), not the batch's (a domain
   * error, the database down): each vote of the batch is then retried alone, so the error lands
   * on the vote it belongs to.
   */
  isolatable(error: unknown): boolean;
  warn(message: string): void;
}

interface PendingVote extends VoteChange {
  key: string;
  resolve(outcome: VoteOutcome): void;
  reject(error: unknown): void;
}

/**
 * Group commit of votes: the votes that arrive while a lane's transaction commits are written
 * together in its next one. Every vote is still durable, exact and answered only after its
 * COMMIT, but one transaction and one row lock serve many votes. Two votes on the same article,
 * user and dimension never share a batch: the later waits for the next, so answers and tallies
 * follow the order in which each key's votes came in. Taking a batch costs O(batch size),
 * however long the queue.
 */
export class VoteBatcher {
  private readonly lanes: Lane[];
  private readonly idle = new Set<() => void>();

  constructor(private readonly options: VoteBatcherOptions) {
    this.lanes = Array.from({ length: options.lanes }, () => new Lane());
  }

  /** Rejects with OverloadedError, writing nothing, when maxQueued votes are in the queue. */
  submit(change: VoteChange): Promise<VoteOutcome> {
    if (this.size >= this.options.maxQueued) {
      return Promise.reject(new OverloadedError('too many votes waiting; try again in a second'));
    }
    return new Promise((resolve, reject) => {
      const lane = this.lanes[laneOf(change.articleId, this.lanes.length)]!;
      lane.push({ ...change, key: voteKey(change), resolve, reject });
      if (!lane.running) {
        this.drain(lane).catch((error: unknown) =>
          this.options.warn(`vote lane stopped: ${(error as Error).stack ?? String(error)}`),
        );
      }
    });
  }

  /** Votes waiting or being written, across lanes. */
  get size(): number {
    return this.lanes.reduce((sum, lane) => sum + lane.size + lane.writing, 0);
  }

  /** Resolves once every vote submitted so far has been committed and answered. */
  drained(): Promise<void> {
    if (this.lanes.every((lane) => !lane.running)) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  /** Commits the lane's waiting votes batch after batch until none is left; never rejects. */
  private async drain(lane: Lane): Promise<void> {
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

  /** One transaction for `batch`; settles every vote in it and never throws. */
  private async commit(batch: PendingVote[]): Promise<void> {
    let result: BatchResult;
    try {
      result = await this.options.write(batch);
    } catch (error) {
      if (batch.length > 1 && this.options.isolatable(error)) {
        this.options.warn(`a batch of ${batch.length} votes failed, retrying one by one: ${error}`);
        for (const vote of batch) await this.commit([vote]);
        return;
      }
      for (const vote of batch) vote.reject(error);
      return;
    }
    try {
      this.options.committed(result);
    } catch (error) {
      this.options.warn(`after-commit step failed: ${(error as Error).message}`);
    }
    for (const vote of batch) {
      const after = result.tallies.get(vote.articleId);
      if (after) vote.resolve({ tallies: after.tallies, myVote: vote.value });
      else vote.reject(new NotFoundError('article'));
    }
  }
}

/**
 * One lane's waiting votes: a FIFO per key, and the keys in the order they became ready. A batch
 * takes the first vote of each of the first keys; a key with more votes waits for the next.
 */
class Lane {
  running = false;
  /** Votes waiting for a batch. */
  size = 0;
  /** Votes of the batch being written. */
  writing = 0;
  private readonly byKey = new Map<string, PendingVote[]>();
  private ready: string[] = [];
  private head = 0;

  push(vote: PendingVote): void {
    const queue = this.byKey.get(vote.key);
    if (queue) queue.push(vote);
    else {
      this.byKey.set(vote.key, [vote]);
      this.ready.push(vote.key);
    }
    this.size++;
  }

  take(max: number): PendingVote[] {
    const batch: PendingVote[] = [];
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

export function voteKey(vote: Pick<VoteChange, 'articleId' | 'userId' | 'dimension'>): string {
  return `${vote.articleId}:${vote.userId}:${vote.dimension}`;
}

/** The lane of an article: the same one every time. */
function laneOf(articleId: string, lanes: number): number {
  let hash = 0;
  for (let i = 0; i < articleId.length; i++) hash = (hash * 31 + articleId.charCodeAt(i)) | 0;
  return Math.abs(hash) % lanes;
}
