import { BadRequestException } from '@nestjs/common';
import { createValidationPipe } from '../../common/validation/validation.pipe';
import { isDatabaseUnavailable } from '../../database/database-errors';
import type { Ack, ErrorCode } from '../contract';

const pipe = createValidationPipe();

export const fail = (code: ErrorCode, message: string): Ack<never> => ({
  ok: false,
  error: { code, message },
});

/**
 * A socket payload checked by the same DTO machinery as HTTP bodies: the DTO, or the
 * `bad_request` ack naming what is wrong.
 */
export async function validatePayload<T extends object>(
  type: new () => T,
  body: unknown,
): Promise<T | Ack<never>> {
  try {
    return (await pipe.transform(body ?? {}, { type: 'body', metatype: type })) as T;
  } catch (error) {
    if (error instanceof BadRequestException) {
      const message = (error.getResponse() as { message?: string | string[] }).message;
      return fail(
        'bad_request',
        Array.isArray(message) ? message.join('; ') : String(message ?? 'bad request'),
      );
    }
    throw error;
  }
}

export function isAck(value: object): value is Ack<never> {
  return 'ok' in value;
}

/** The ack of a handler that failed unexpectedly: `unavailable` while the database is down. */
export function failureAck(error: unknown, what: string): Ack<never> {
  return isDatabaseUnavailable(error)
    ? fail('unavailable', `${what} failed: the database is unavailable; try again in a second`)
    : fail('internal', `${what} failed; try again`);
}
