import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';

export class ErrorDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['username must be longer than or equal to 3 characters'],
  })
  message!: string | string[];
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid body, query or path parameter',
  401: 'No or bad access token',
  403: 'Not allowed for this role, or the user is banned',
  404: 'Unknown resource',
  409: 'Conflict',
  413: 'Body over 64 KiB',
  429: 'Rate limited (see Retry-After)',
};

/** Documents the error answers of a route, all in the `{statusCode, error, message}` shape. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status] ?? 'Error', type: ErrorDto }),
    ),
  );
}
