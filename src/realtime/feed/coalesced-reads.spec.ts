import { CoalescedReads } from './coalesced-reads';

interface Range {
  after: number;
  upTo: number;
}

describe('CoalescedReads', () => {
  const setup = (maxWidth = 100) => {
    const reads: Range[] = [];
    const pending: (() => void)[] = [];
    const coalesced = new CoalescedReads<Range, Range>(
      (_key, range) => {
        reads.push({ ...range });
        return new Promise((resolve) => pending.push(() => resolve({ ...range })));
      },
      (a, b) => {
        const merged = { after: Math.min(a.after, b.after), upTo: Math.max(a.upTo, b.upTo) };
        return merged.upTo - merged.after <= maxWidth ? merged : null;
      },
    );
    const finishNext = async () => {
      pending.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    };
    return { reads, coalesced, finishNext };
  };

  it('reads at once, and answers the requests arriving meanwhile with one later read', async () => {
    const { reads, coalesced, finishNext } = setup();
    const first = coalesced.get('a', { after: 5, upTo: 10 });
    const later = [
      coalesced.get('a', { after: 3, upTo: 10 }),
      coalesced.get('a', { after: 7, upTo: 12 }),
    ];
    expect(reads).toEqual([{ after: 5, upTo: 10 }]);
    await finishNext();
    expect(await first).toEqual({ after: 5, upTo: 10 });
    expect(reads).toEqual([
      { after: 5, upTo: 10 },
      { after: 3, upTo: 12 },
    ]);
    await finishNext();
    expect(await Promise.all(later)).toEqual([
      { after: 3, upTo: 12 },
      { after: 3, upTo: 12 },
    ]);
  });

  it('keeps keys apart, and requests that must not merge in separate reads', async () => {
    const { reads, coalesced, finishNext } = setup(10);
    const results = [
      coalesced.get('a', { after: 0, upTo: 5 }),
      coalesced.get('b', { after: 0, upTo: 5 }),
      coalesced.get('a', { after: 0, upTo: 8 }),
      coalesced.get('a', { after: 50, upTo: 55 }),
    ];
    expect(reads).toHaveLength(2);
    for (let i = 0; i < 4; i++) await finishNext();
    expect(await Promise.all(results)).toEqual([
      { after: 0, upTo: 5 },
      { after: 0, upTo: 5 },
      { after: 0, upTo: 8 },
      { after: 50, upTo: 55 },
    ]);
    expect(reads).toHaveLength(4);
  });

  it('passes a failed read to its requests and goes on with the next', async () => {
    const coalesced = new CoalescedReads<number, number>(
      (_key, n) => (n === 1 ? Promise.reject(new Error('down')) : Promise.resolve(n)),
      () => null,
    );
    await expect(coalesced.get('a', 1)).rejects.toThrow('down');
    await expect(coalesced.get('a', 2)).resolves.toBe(2);
  });
});
