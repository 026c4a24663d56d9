import { BadRequestError } from '../errors/domain-error';
import { cursorCodec, toPage } from './cursor';

describe('cursors', () => {
  const codec = cursorCodec('count', 'instant', 'uuid');
  const id = '3f2b5d8e-1c4a-4b6f-9e7d-2a1b0c9d8e7f';

  it('round-trips a key', () => {
    const key = [3, '2026-01-01T00:00:00.000001Z', id] as [number, string, string];
    expect(codec.decode(codec.encode(key))).toEqual(key);
    const ms = cursorCodec('instant', 'uuid');
    expect(ms.decode(ms.encode(['2026-01-01T00:00:00.123Z', id]))).toEqual([
      '2026-01-01T00:00:00.123Z',
      id,
    ]);
  });

  const encoded = (value: unknown): string =>
    Buffer.from(JSON.stringify(value)).toString('base64url');

  it.each([
    ['not base64 json', 'abc'],
    ['wrong arity', encoded([1, '2026-01-01T00:00:00Z'])],
    ['wrong types', encoded(['1', '2026-01-01T00:00:00Z', id])],
    ['an object', encoded({ a: 1 })],
    ['a negative count', encoded([-1, '2026-01-01T00:00:00Z', id])],
    ['a fractional count', encoded([1.5, '2026-01-01T00:00:00Z', id])],
    ['a date that does not exist', encoded([1, '2020-02-30T00:00:00Z', id])],
    ['year 0', encoded([1, '0000-01-01T00:00:00Z', id])],
    ['a date without time', encoded([1, '2020-02-03', id])],
    ['more than microseconds', encoded([1, '2020-02-03T00:00:00.1234567Z', id])],
    ['not a uuid', encoded([1, '2026-01-01T00:00:00Z', 'x'.repeat(36)])],
  ])('refuses %s with a BadRequestError', (_name, cursor) => {
    expect(() => codec.decode(cursor)).toThrow(BadRequestError);
  });

  it('builds a page from limit + 1 rows', () => {
    const counts = cursorCodec('count');
    const page = toPage(
      [1, 2, 3],
      2,
      (n) => n * 10,
      (n) => counts.encode([n]),
    );
    expect(page.items).toEqual([10, 20]);
    expect(counts.decode(page.nextCursor!)).toEqual([2]);
    expect(
      toPage(
        [1, 2],
        2,
        (n) => n,
        (n) => counts.encode([n]),
      ).nextCursor,
    ).toBeNull();
  });
});
