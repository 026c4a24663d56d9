import { Coalescer } from './coalescer';
import { TallyThrottle } from './tally-throttle';

const tallies = (up: number) => ({ interesting: { up, down: 0 }, support: { up: 0, down: 0 } });

describe('Coalescer', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('sends the first value at once and the last of a burst when the interval ends', () => {
    const sent: number[] = [];
    const coalescer = new Coalescer<number>(100, (value) => sent.push(value));
    coalescer.offer(1);
    coalescer.offer(2);
    coalescer.offer(3);
    expect(sent).toEqual([1]);
    jest.advanceTimersByTime(99);
    expect(sent).toEqual([1]);
    jest.advanceTimersByTime(1);
    expect(sent).toEqual([1, 3]);
    jest.advanceTimersByTime(1_000);
    expect(sent).toEqual([1, 3]);
    coalescer.offer(4);
    expect(sent).toEqual([1, 3, 4]);
  });

  it('sends nothing after stop', () => {
    const sent: number[] = [];
    const coalescer = new Coalescer<number>(100, (value) => sent.push(value));
    coalescer.offer(1);
    coalescer.offer(2);
    coalescer.stop();
    jest.advanceTimersByTime(500);
    coalescer.offer(3);
    expect(sent).toEqual([1]);
  });
});

describe('TallyThrottle', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('never sends a version older than one offered before, and tells subscribers what it sent', () => {
    const sent: number[] = [];
    const throttle = new TallyThrottle({ version: 5, tallies: tallies(5) }, 100, (event) =>
      sent.push(event.version),
    );
    throttle.offer({ articleId: 'a', version: 4, tallies: tallies(4) });
    expect(sent).toEqual([]);
    throttle.offer({ articleId: 'a', version: 7, tallies: tallies(7) });
    throttle.offer({ articleId: 'a', version: 6, tallies: tallies(6) });
    throttle.offer({ articleId: 'a', version: 9, tallies: tallies(9) });
    expect(sent).toEqual([7]);
    expect(throttle.version).toBe(7);
    jest.advanceTimersByTime(100);
    expect(sent).toEqual([7, 9]);
    expect(throttle.tallies).toEqual(tallies(9));
  });
});
