import { BadRequestError } from '../errors/domain-error';

/**
 * Opaque keyset cursors: base64url of a JSON tuple, decoded by one codec that knows what each
 * part must be. A cursor that does not decode to the expected key is the caller's mistake
 * (400), never a 500 and never a value handed to SQL unchecked.
 */

/**
 * `instant`: a real UTC timestamp as the lists write it (ms or µs); `count`: an integer ≥ 0;
 * `integer`: any safe integer (a score).
 */
export type CursorPart = 'instant' | 'uuid' | 'count' | 'integer';
type PartValue<P extends CursorPart> = P extends 'count' | 'integer' ? number : string;
export type CursorKey<T extends readonly CursorPart[]> = { [K in keyof T]: PartValue<T[K]> };

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const VALID: Record<CursorPart, (part: unknown) => boolean> = {
  // PostgreSQL refuses 2020-02-30 or year 0 with an error: only real instants pass
  instant: (part) => {
    if (typeof part !== 'string' || !INSTANT.test(part)) return false;
    const instant = new Date(part);
    return (
      !Number.isNaN(instant.getTime()) &&
      instant.getUTCFullYear() >= 1 &&
      instant.toISOString().slice(0, 19) === part.slice(0, 19)
    );
  },
  uuid: (part) => typeof part === 'string' && UUID.test(part),
  count: (part) => Number.isSafeInteger(part) && (part as number) >= 0,
  integer: (part) => Number.isSafeInteger(part),
};

export class CursorCodec<T extends readonly CursorPart[]> {
  constructor(private readonly parts: T) {}

  encode(key: CursorKey<T>): string {
    return encodeCursor(key as readonly (string | number)[]);
  }

  /** The key, or a BadRequestError naming the cursor. */
  decode(cursor: string): CursorKey<T> {
    let key: unknown;
    try {
      key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      key = null;
    }
    if (
      !Array.isArray(key) ||
      key.length !== this.parts.length ||
      key.some((part, index) => !VALID[this.parts[index]!](part))
    ) {
      throw new BadRequestError('cursor is not valid');
    }
    return key as CursorKey<T>;
  }
}

export function cursorCodec<const T extends readonly CursorPart[]>(...parts: T): CursorCodec<T> {
  return new CursorCodec(parts);
}

function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Builds a page from `limit + 1` rows: the extra row only says that there is more. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  toItem: (row: Row) => Item,
  cursorOf: (row: Row) => string,
): Page<Item> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return {
    items: pageRows.map(toItem),
    nextCursor: hasMore && last !== undefined ? cursorOf(last) : null,
  };
}
