import { NotFoundError, OverloadedError } from '../common/errors/domain-error';
import {
  type BatchResult,
  type VoteBatcherOptions,
  type VoteChange,
  VoteBatcher,
} from './vote-batcher';

const tallies = { interesting: { up: 0, down: 0 }, support: { up: 0, down: 0 } };

/** A writer without a database: records each batch, answers when the test releases it. */
class FakeWriter {
  readonly batches: VoteChange[][] = [];
  readonly committed: BatchResult[] = [];
  /** Articles that do not exist. */
  readonly missing = new Set<string>();
  /** Votes by this user make a batch fail (an isolatable error) until they are alone. */
  poisonUser: string | null = null;
  private inFlight = 0;
  maxInFlight = 0;
  private readonly gates: (() => void)[] = [];
  hold = false;

  options(overrides: Partial<VoteBatcherOptions> = {}): VoteBatcherOptions {
    return {
      lanes: 4,
      maxBatch: 500,
      maxQueued: 100_000,
      write: (batch) => this.write(batch),
      committed: (result) => this.committed.push(result),
      isolatable: (error) => !(error instanceof NotFoundError),
      warn: () => undefined,
      ...overrides,
    };
  }

  release(): void {
    this.hold = false;
    this.gates.splice(0).forEach((open) => open());
  }

  private async write(batch: readonly VoteChange[]): Promise<BatchResult> {
    this.batches.push(batch.map((vote) => ({ ...vote })));
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.hold) await new Promise<void>((open) => this.gates.push(open));
      else await new Promise((resolve) => setImmediate(resolve));
      if (batch.length > 1 && batch.some((vote) => vote.userId === this.poisonUser)) {
        throw new Error('check constraint violated');
      }
      if (batch.length === 1 && batch[0]!.userId === this.poisonUser) {
        throw new Error('check constraint violated (alone)');
      }
      const present = batch.filter((vote) => !this.missing.has(vote.articleId));
      return {
        tallies: new Map(present.map((vote) => [vote.articleId, { tallies, version: 1 }])),
        changed: new Set(present.map((vote) => vote.articleId)),
      };
    } finally {
      this.inFlight--;
    }
  }
}

const vote = (
  articleId: string,
  userId: string,
  value: 'up' | 'down' | null = 'up',
): VoteChange => ({
  articleId,
  userId,
  dimension: 'interesting',
  value,
});

describe('VoteBatcher', () => {
  it('writes the votes that arrive while a batch commits together in the next batch', async () => {
    const writer = new FakeWriter();
    const batcher = new VoteBatcher(writer.options({ lanes: 1 }));
    writer.hold = true;
    const first = batcher.submit(vote('a', 'u0'));
    const rest = Array.from({ length: 9 }, (_, i) => batcher.submit(vote('a', `u${i + 1}`)));
    expect(batcher.size).toBe(10);
    writer.release();
    await Promise.all([first, ...rest]);
    expect(writer.batches.map((batch) => batch.length)).toEqual([1, 9]);
    expect(batcher.size).toBe(0);
  });

  it('keeps an article in one lane, and runs lanes side by side', async () => {
    const writer = new FakeWriter();
    const batcher = new VoteBatcher(writer.options({ lanes: 4 }));
    const articles = Array.from({ length: 40 }, (_, i) => `article-${i}`);
    await Promise.all(
      articles.flatMap((article) => [1, 2, 3].map((u) => batcher.submit(vote(article, `u${u}`)))),
    );
    // articles that ever shared a batch share a lane: at most 4 groups, and more than one ran
    const group = new Map(articles.map((article) => [article, article]));
    const root = (article: string): string => {
      while (group.get(article) !== article) article = group.get(article)!;
      return article;
    };
    for (const batch of writer.batches) {
      for (const v of batch) group.set(root(v.articleId), root(batch[0]!.articleId));
    }
    const groups = new Set(articles.map(root));
    expect(groups.size).toBeGreaterThan(1);
    expect(groups.size).toBeLessThanOrEqual(4);
    expect(writer.maxInFlight).toBeGreaterThan(1);
    expect(writer.maxInFlight).toBeLessThanOrEqual(4);
    expect(writer.batches.flat()).toHaveLength(120);
  });

  it('never puts two votes of one key in a batch, and writes each key in submission order', async () => {
    const writer = new FakeWriter();
    const batcher = new VoteBatcher(writer.options({ lanes: 1 }));
    writer.hold = true;
    const sequence: ('up' | 'down' | null)[] = ['up', 'down', null, 'up', 'down'];
    const answers = [
      batcher.submit(vote('a', 'other')),
      ...sequence.map((value) => batcher.submit(vote('a', 'same', value))),
      batcher.submit(vote('a', 'third')),
    ];
    writer.release();
    const outcomes = await Promise.all(answers);
    for (const batch of writer.batches) {
      const keys = batch.map((v) => `${v.articleId}:${v.userId}:${v.dimension}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
    const written = writer.batches
      .flat()
      .filter((v) => v.userId === 'same')
      .map((v) => v.value);
    expect(written).toEqual(sequence);
    expect(outcomes.slice(1, 6).map((o) => o.myVote)).toEqual(sequence);
    // the other users were not held back behind the repeated key
    expect(writer.batches[1]!.map((v) => v.userId)).toEqual(['same', 'third']);
  });

  it('caps a batch at maxBatch', async () => {
    const writer = new FakeWriter();
    const batcher = new VoteBatcher(writer.options({ lanes: 1, maxBatch: 10 }));
    writer.hold = true;
    const answers = Array.from({ length: 35 }, (_, i) => batcher.submit(vote('a', `u${i}`)));
    writer.release();
    writer.hold = false;
    await Promise.all(answers);
    expect(writer.batches.map((batch) => batch.length)).toEqual([1, 10, 10, 10, 4]);
  });

  it('refuses a vote past maxQueued at once, writing nothing of it, and takes votes again once the queue shrinks', async () => {
    const writer = new FakeWriter();
    const batcher = new VoteBatcher(writer.options({ lanes: 2, maxBatch: 10, maxQueued: 25 }));
    writer.hold = true;
    const taken = Array.from({ length: 25 }, (_, i) => batcher.submit(vote(`a${i % 3}`, `u${i}`)));
    expect(batcher.size).toBe(25);
    await expect(batcher.submit(vote('a0', 'late'))).rejects.toBeInstanceOf(OverloadedError);
    expect(batcher.size).toBe(25);
    writer.release();
    await Promise.all(taken);
    await batcher.drained();
    expect(writer.batches.flat().map((v) => v.userId)).not.toContain('late');
    expect(writer.batches.flat()).toHaveLength(25);
    await expect(batcher.submit(vote('a0', 'later'))).resolves.toEqual({ tallies, myVote: 'up' });
  });

  it('survives 200,000 waiting votes: a bounded queue, batches taken in constant time per vote', async () => {
    const writer = new FakeWriter();
    const batcher = new VoteBatcher(
      writer.options({ lanes: 1, maxBatch: 1_000, maxQueued: 150_000 }),
    );
    writer.hold = true;
    const answers: Promise<unknown>[] = [];
    let refused = 0;
    for (let i = 0; i < 200_000; i++) {
      answers.push(
        batcher.submit(vote('hot', `u${i}`)).catch((error: unknown) => {
          if (!(error instanceof OverloadedError)) throw error;
          refused++;
        }),
      );
    }
    writer.release();
    await Promise.all(answers);
    expect(refused).toBe(50_000);
    expect(writer.batches.flat()).toHaveLength(150_000);
    expect(Math.max(...writer.batches.map((batch) => batch.length))).toBe(1_000);
  });

  it('retries a failed batch one vote at a time, so only the bad vote fails', async () => {
    const writer = new FakeWriter();
    writer.poisonUser = 'bad';
    const batcher = new VoteBatcher(writer.options({ lanes: 1 }));
    writer.hold = true;
    const head = batcher.submit(vote('a', 'first'));
    const good = [batcher.submit(vote('a', 'g1')), batcher.submit(vote('a', 'g2'))];
    const bad = batcher.submit(vote('a', 'bad'));
    writer.release();
    await head;
    await expect(Promise.all(good)).resolves.toHaveLength(2);
    await expect(bad).rejects.toThrow('alone');
    expect(writer.batches.map((batch) => batch.map((v) => v.userId))).toEqual([
      ['first'],
      ['g1', 'g2', 'bad'],
      ['g1'],
      ['g2'],
      ['bad'],
    ]);
  });

  it("fails a whole batch at once for an error that is not one vote's fault", async () => {
    const writer = new FakeWriter();
    const batcher = new VoteBatcher(
      writer.options({
        lanes: 1,
        write: () => Promise.reject(new NotFoundError('database')),
      }),
    );
    const results = await Promise.allSettled([
      batcher.submit(vote('a', 'u1')),
      batcher.submit(vote('a', 'u2')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('answers a vote on an unknown article with NotFoundError, the others with their tallies', async () => {
    const writer = new FakeWriter();
    writer.missing.add('gone');
    const batcher = new VoteBatcher(writer.options({ lanes: 1 }));
    writer.hold = true;
    const first = batcher.submit(vote('a', 'u0'));
    const ok = batcher.submit(vote('a', 'u1'));
    const gone = batcher.submit(vote('gone', 'u1'));
    writer.release();
    await first;
    await expect(ok).resolves.toEqual({ tallies, myVote: 'up' });
    await expect(gone).rejects.toBeInstanceOf(NotFoundError);
    // committed ran once per batch, before the answers
    expect(writer.committed).toHaveLength(2);
  });

  it('drained() resolves only once every vote submitted has been committed and answered', async () => {
    const writer = new FakeWriter();
    const batcher = new VoteBatcher(writer.options({ lanes: 2 }));
    await expect(batcher.drained()).resolves.toBeUndefined();
    writer.hold = true;
    const answered: number[] = [];
    const votes = Array.from({ length: 20 }, (_, i) =>
      batcher.submit(vote(`article-${i % 5}`, `u${i}`)).then(() => answered.push(i)),
    );
    let drained = false;
    const done = batcher.drained().then(() => (drained = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    writer.release();
    await done;
    expect(answered).toHaveLength(20);
    expect(batcher.size).toBe(0);
    await Promise.all(votes);
  });
});
