/**
 * Hot routes (votes) skip class-validator: its metadata walk, class-transformer's copy and the
 * error tree cost tens of microseconds per DTO, twice per vote. A DTO class with a static
 * `[VALIDATE_PLAIN]` is checked by that function instead (see createValidationPipe); it must
 * answer exactly what the decorators would (a differential spec holds it to that): the DTO
 * instance, or the list of messages of the 400.
 */
export const VALIDATE_PLAIN = Symbol('validatePlain');

export type PlainValidator = (value: unknown) => object | string[];

/** The DTO's hand-written validator, if it has one. */
export function plainValidatorOf(metatype: unknown): PlainValidator | undefined {
  if (typeof metatype !== 'function') return undefined;
  const validator = (metatype as { [VALIDATE_PLAIN]?: unknown })[VALIDATE_PLAIN];
  return typeof validator === 'function' ? (validator as PlainValidator) : undefined;
}

/**
 * The messages `forbidNonWhitelisted` gives for `value`'s keys outside `allowed`, in key order
 * (they come before the field messages). A non-object is validated as `{}`, as
 * class-transformer does.
 */
export function unknownKeyMessages(value: unknown, allowed: ReadonlySet<string>): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const messages: string[] = [];
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) messages.push(`property ${key} should not exist`);
  }
  return messages;
}

/** `value[key]` of an object, else undefined. */
export function fieldOf(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}
