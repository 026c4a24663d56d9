import { BadRequestError } from '../errors/domain-error';
import { decodeCursor, encodeCursor, toPage } from './cursor';

describe('cursors', () => {
  it('round-trips a key', () => {
    const cursor = encodeCursor(['2026-01-01T00:00:00.000001Z', 'abc', 3]);
    expect(decodeCursor(cursor, ['string', 'string', 'number'] as const)).toEqual([
      '2026-01-01T00:00:00.000001Z',
      'abc',
      3,
    ]);
  });

  it.each([
    ['not base64 json', 'abc'],
    ['wrong arity', encodeCursor(['a'])],
    ['wrong types', encodeCursor([1, 'a'])],
    ['an object', Buffer.from('{"a":1}').toString('base64url')],
  ])('refuses %s with a BadRequestError', (_name, cursor) => {
    expect(() => decodeCursor(cursor, ['string', 'string'] as const)).toThrow(BadRequestError);
  });

  it('builds a page from limit + 1 rows', () => {
    const page = toPage(
      [1, 2, 3],
      2,
      (n) => n * 10,
      (n) => [n],
    );
    expect(page.items).toEqual([10, 20]);
    expect(decodeCursor(page.nextCursor!, ['number'] as const)).toEqual([2]);
    expect(
      toPage(
        [1, 2],
        2,
        (n) => n,
        (n) => [n],
      ).nextCursor,
    ).toBeNull();
  });
});
