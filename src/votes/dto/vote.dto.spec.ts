import 'reflect-metadata';
import { type ArgumentMetadata, BadRequestException } from '@nestjs/common';
import { seededRandom } from '../../../test/support/seeded-random';
import { createValidationPipe } from '../../common/validation/validation.pipe';
import { CastVoteDto, VoteParamsDto } from './vote.dto';

const hand = createValidationPipe();
const classValidator = createValidationPipe({ handValidators: false });

/** What a pipe makes of `value`: the DTO (class and fields) or the 400's body. */
async function outcome(
  pipe: ReturnType<typeof createValidationPipe>,
  value: unknown,
  metadata: ArgumentMetadata,
): Promise<unknown> {
  try {
    const result = (await pipe.transform(value, metadata)) as object;
    return { dto: result.constructor.name, fields: { ...result } };
  } catch (error) {
    if (!(error instanceof BadRequestException)) throw error;
    return { status: error.getStatus(), body: error.getResponse() };
  }
}

const UUIDS = [
  '6f1c1a34-0f6d-4b5e-9a0c-2b0e5d6f7a81',
  '6F1C1A34-0F6D-4B5E-9A0C-2B0E5D6F7A81',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '6f1c1a34-0f6d-0b5e-9a0c-2b0e5d6f7a81', // version 0
  '6f1c1a34-0f6d-4b5e-7a0c-2b0e5d6f7a81', // variant 7
  '6f1c1a34-0f6d-4b5e-9a0c-2b0e5d6f7a8',
  '6f1c1a340f6d4b5e9a0c2b0e5d6f7a81',
  '',
  'x',
];
const WORDS = ['up', 'down', 'UP', 'Up ', '', 'interesting', 'support', 'Support', 'none'];
const KEYS = ['value', 'id', 'dimension', 'x', '0', 'Value', 'constructor', '__proto__'];

/** A JSON-ish value of the kinds a parsed body or the route params can hold. */
function anyValue(random: ReturnType<typeof seededRandom>, depth = 0): unknown {
  switch (random.int(0, depth > 1 ? 6 : 8)) {
    case 0:
      return null;
    case 1:
      return undefined;
    case 2:
      return random.int(-2, 3);
    case 3:
      return random.next() < 0.5;
    case 4:
      return WORDS[random.int(0, WORDS.length)];
    case 5:
      return UUIDS[random.int(0, UUIDS.length)];
    case 6:
      return Array.from({ length: random.int(0, 3) }, () => anyValue(random, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = random.int(0, 4); i > 0; i--) {
        object[KEYS[random.int(0, KEYS.length)]!] = anyValue(random, depth + 1);
      }
      return object;
    }
  }
}

describe('the vote DTOs hand-written validators', () => {
  const cases: [string, ArgumentMetadata, unknown[]][] = [
    [
      'the body',
      { type: 'body', metatype: CastVoteDto },
      [
        undefined,
        null,
        {},
        { value: 'up' },
        { value: 'down' },
        { value: 'UP' },
        { value: null },
        { value: ['up'] },
        [],
        ['up'],
        'up',
        { value: 'up', x: 1 },
        { x: 1, y: 2 },
        { value: 'x', x: 1 },
        JSON.parse('{"__proto__":{"value":"up"}}'),
        { constructor: 'up' },
      ],
    ],
    [
      'the route params',
      { type: 'param', metatype: VoteParamsDto },
      [
        ...UUIDS.flatMap((id) => WORDS.map((dimension) => ({ id, dimension }))),
        { id: UUIDS[0] },
        { dimension: 'support' },
        { id: UUIDS[0], dimension: 'support', extra: 'x' },
      ],
    ],
  ];

  it.each(cases)('answer %s exactly as class-validator does', async (_name, metadata, values) => {
    for (const value of values) {
      const expected = await outcome(classValidator, value, metadata);
      expect({ value, outcome: await outcome(hand, value, metadata) }).toEqual({
        value,
        outcome: expected,
      });
    }
  });

  it('answer 2,000 random inputs of each exactly as class-validator does', async () => {
    const random = seededRandom('vote DTO fuzz');
    for (const [, metadata] of cases) {
      for (let i = 0; i < 2_000; i++) {
        const value = anyValue(random);
        const expected = await outcome(classValidator, value, metadata);
        expect({ value, outcome: await outcome(hand, value, metadata) }).toEqual({
          value,
          outcome: expected,
        });
      }
    }
  });

  it('accept a valid vote as the DTO instance the controller expects', async () => {
    const dto = await hand.transform({ value: 'down' }, { type: 'body', metatype: CastVoteDto });
    expect(dto).toBeInstanceOf(CastVoteDto);
    expect(dto).toEqual({ value: 'down' });
  });
});
