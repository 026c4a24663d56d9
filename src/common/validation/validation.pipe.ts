import { type ArgumentMetadata, BadRequestException, ValidationPipe } from '@nestjs/common';
import { unsafeStructure } from './safe-structure';

/** ValidationPipe that first refuses over-deep or prototype-keyed input with a 400. */
class SafeValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') {
      const problem = unsafeStructure(value);
      if (problem) throw new BadRequestException([problem]);
    }
    return super.transform(value, metadata);
  }
}

/** The one validation setup, shared by HTTP and (later) socket payloads. */
export function createValidationPipe(): ValidationPipe {
  return new SafeValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    stopAtFirstError: true,
  });
}
