import { MAX_DEPTH, unsafeStructure } from './safe-structure';
import { createValidationPipe } from './validation.pipe';

const nested = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth));

describe('unsafeStructure', () => {
  it('accepts ordinary JSON', () => {
    expect(unsafeStructure({ a: [1, { b: 'c' }], d: null })).toBeNull();
    expect(unsafeStructure('text')).toBeNull();
    expect(unsafeStructure(nested(MAX_DEPTH))).toBeNull();
  });

  it('refuses nesting deeper than the limit, however deep, without overflowing', () => {
    expect(unsafeStructure(nested(MAX_DEPTH + 1))).toMatch(/nested deeper/);
    expect(unsafeStructure(nested(50_000))).toMatch(/nested deeper/);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses a %s key at any depth', (key) => {
    expect(unsafeStructure(JSON.parse(`{"${key}":{"polluted":1}}`))).toContain(key);
    expect(unsafeStructure(JSON.parse(`{"a":[{"${key}":1}]}`))).toContain(`a.0.${key}`);
  });

  it('makes the validation pipe answer 400 before class-transformer sees the value', async () => {
    const pipe = createValidationPipe();
    class Dto {}
    await expect(
      pipe.transform(JSON.parse('{"__proto__":{"polluted":1}}'), { type: 'body', metatype: Dto }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      pipe.transform(nested(10_000), { type: 'body', metatype: Dto }),
    ).rejects.toMatchObject({ status: 400 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
