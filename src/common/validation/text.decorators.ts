import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import {
  IsString,
  Length,
  registerDecorator,
  ValidateIf,
  type ValidationOptions,
} from 'class-validator';
import { IsPlainText } from './is-plain-text';

const trim = (value: unknown): unknown => (typeof value === 'string' ? value.trim() : value);

/**
 * A plain-text field, trimmed, of `min`..`max` characters; with `each`, every element of an
 * array field.
 */
export function TrimmedText(
  min: number,
  max: number,
  options: ValidationOptions = {},
): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      options.each && Array.isArray(value) ? value.map(trim) : trim(value),
    ),
    // class-validator checks in the order applied (and stops at the first error):
    // type, then content, then length
    IsString(options),
    IsPlainText(options),
    Length(min, max, options),
  );
}

/** An ISO-8601 instant that lies in the future at validation time. */
export function IsFutureInstant(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isFutureInstant',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be an ISO-8601 date-time in the future', ...options },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
          Date.parse(value) > Date.now(),
      },
    });
}

/**
 * An optional body field: it may be left out, but when present (even as null) it must be
 * valid. (class-validator's IsOptional also skips null, which would then reach the database.)
 */
export function Optional(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}
