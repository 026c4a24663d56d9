import { ReplayPacer } from './replay-pacer';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ReplayPacer', () => {
  it('lets out about the bytes of a turn per turn of the event loop, at least one replay', async () => {
    const pacer = new ReplayPacer(1_000, 100);
    const order: string[] = [];
    const turns = [300, 300, 300, 300, 2_500, 100].map((bytes, i) =>
      pacer.turn('a', bytes).then((ok) => order.push(`${i}:${ok}`)),
    );
    expect(pacer.size).toBe(6);
    expect(order).toEqual([]); // never in the caller's own turn

    await nextTurn();
    expect(order).toEqual(['0:true', '1:true', '2:true', '3:true']); // 1,200 ≥ 1,000
    await nextTurn();
    expect(order.slice(4)).toEqual(['4:true']); // larger than a turn: alone
    await nextTurn();
    expect(order.slice(5)).toEqual(['5:true']);
    await Promise.all(turns);
    expect(pacer.size).toBe(0);
  });

  it('takes one replay from each address in turn', async () => {
    const pacer = new ReplayPacer(1, 100);
    const order: string[] = [];
    const turns = [
      ...Array.from({ length: 4 }, (_, i) =>
        pacer.turn('storm', 10).then(() => order.push(`s${i}`)),
      ),
      pacer.turn('reader', 10).then(() => order.push('r0')),
      pacer.turn('other', 10).then(() => order.push('o0')),
    ];
    await Promise.all(turns);
    expect(order).toEqual(['s0', 'r0', 'o0', 's1', 's2', 's3']);
  });

  it('refuses at once when too many replays wait, and takes more once they are out', async () => {
    const pacer = new ReplayPacer(1_000, 3);
    const waiting = [pacer.turn('a', 10), pacer.turn('b', 10), pacer.turn('a', 10)];
    await expect(pacer.turn('c', 10)).resolves.toBe(false);
    await expect(Promise.all(waiting)).resolves.toEqual([true, true, true]);
    await expect(pacer.turn('c', 10)).resolves.toBe(true);
  });
});
