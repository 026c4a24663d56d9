import { type ArgumentMetadata, BadRequestException, ValidationPipe } from '@nestjs/common';
import { plainValidatorOf } from './hand-validated';
import { unsafeStructure } from './safe-structure';

/**
 * ValidationPipe that first refuses over-deep or prototype-keyed input with a 400, then hands
 * DTOs with a hand-written validator (VALIDATE_PLAIN) to it instead of class-validator.
 */
class SafeValidationPipe extends ValidationPipe {
  constructor(
    options: ConstructorParameters<typeof ValidationPipe>[0],
    private readonly useHandValidators: boolean,
  ) {
    super(options);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') {
      const problem = unsafeStructure(value);
      if (problem) throw new BadRequestException([problem]);
      const validate = this.useHandValidators ? plainValidatorOf(metadata.metatype) : undefined;
      if (validate) {
        const result = validate(value);
        if (Array.isArray(result)) throw new BadRequestException(result);
        return result;
      }
    }
    return super.transform(value, metadata);
  }
}

/**
 * The one validation setup, shared by HTTP and (later) socket payloads. `handValidators:
 * false` runs class-validator even where a DTO has its own validator (the differential spec).
 */
export function createValidationPipe({ handValidators = true } = {}): ValidationPipe {
  return new SafeValidationPipe(
    {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      stopAtFirstError: true,
    },
    handValidators,
  );
}
