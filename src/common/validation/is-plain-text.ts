import { registerDecorator, type ValidationOptions } from 'class-validator';

/** C0 and C1 control characters and DEL, except tab, newline and carriage return. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

export function isPlainText(value: unknown): value is string {
  return typeof value === 'string' && value.isWellFormed() && !FORBIDDEN.test(value);
}

/**
 * Text fields of the contract: well-formed Unicode (no lone surrogates) without NUL or
 * other control characters; newline and tab are allowed.
 */
export function IsPlainText(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isPlainText',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: '$property must be text without control characters',
        ...options,
      },
      validator: { validate: isPlainText },
    });
}
