import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { ConnectionException, DriverException } from '@mikro-orm/core';
import type { Response } from 'express';
import { DomainError, type DomainErrorCode } from '../errors/domain-error';

const STATUS_OF: Record<DomainErrorCode, HttpStatus> = {
  bad_request: HttpStatus.BAD_REQUEST,
  unauthorized: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  rate_limited: HttpStatus.TOO_MANY_REQUESTS,
};

/** body-parser's errors carry a `type`; map them to the contract's statuses and messages. */
const BODY_PARSER_ERRORS: Record<string, [HttpStatus, string]> = {
  'entity.parse.failed': [HttpStatus.BAD_REQUEST, 'Malformed JSON body'],
  'entity.verify.failed': [HttpStatus.BAD_REQUEST, 'Body must be valid UTF-8'],
  'entity.too.large': [HttpStatus.PAYLOAD_TOO_LARGE, 'Body exceeds 64 KiB'],
  'encoding.unsupported': [HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'Unsupported content encoding'],
  'charset.unsupported': [HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'Unsupported charset'],
  'request.aborted': [HttpStatus.BAD_REQUEST, 'Request aborted'],
};

/**
 * The one place HTTP errors are shaped: `{statusCode, error, message}`. Anything unexpected
 * is logged with its stack and answered with a bare 500, never with internals.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpException && isHealthReport(exception.getResponse())) {
      // @nestjs/terminus's 503: its report is the answer ({status, info, error, details})
      response.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    if (isDatabaseUnavailable(exception)) {
      // a restart or failover: the client may simply retry; nothing internal is shown
      this.logger.warn(`database unavailable: ${(exception as Error).message}`);
      if (!response.headersSent) {
        response.setHeader('Retry-After', '1');
        response.status(HttpStatus.SERVICE_UNAVAILABLE).json({
          statusCode: HttpStatus.SERVICE_UNAVAILABLE,
          error: 'Service Unavailable',
          message: 'database unavailable; try again',
        });
      }
      return;
    }
    const [status, message] = this.describe(exception);
    if (status >= 500) this.logger.error(loggable(exception));
    if (response.headersSent) return;
    response.status(status).json({ statusCode: status, error: reasonPhrase(status), message });
  }

  private describe(exception: unknown): [number, string | string[]] {
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      const message =
        typeof body === 'object' && body !== null && 'message' in body
          ? (body as { message: string | string[] }).message
          : exception.message;
      return [exception.getStatus(), message];
    }
    if (exception instanceof DomainError) {
      return [STATUS_OF[exception.code], exception.message];
    }
    const type = (exception as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && type in BODY_PARSER_ERRORS) {
      return BODY_PARSER_ERRORS[type]!;
    }
    if (isExposedClientError(exception)) {
      // e.g. a body whose Content-Encoding does not decode: http-errors marks its 4xx
      // messages as safe to show
      return [exception.status, exception.message];
    }
    return [HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error'];
  }
}

/**
 * What a 500 logs: the error with its stack, but a failed SQL statement without the statement
 * and the failing row, whose values may be a password hash, a token hash or user text. The
 * database's reason and the table, column or constraint it names are kept.
 */
export function loggable(exception: unknown): unknown {
  if (!(exception instanceof Error)) return exception;
  if (!(exception instanceof DriverException)) return exception.stack;
  const { table, column, constraint } = exception as unknown as Record<string, unknown>;
  const text = exception.message;
  const detail = text.lastIndexOf('\n - detail:');
  const statement = detail === -1 ? text : text.slice(0, detail);
  const separator = statement.lastIndexOf(' - ');
  const reason = separator === -1 ? statement : statement.slice(separator + 3);
  const names = Object.entries({ table, column, constraint })
    .filter(([, value]) => typeof value === 'string')
    .map(([key, value]) => `${key} ${String(value)}`);
  const frames = (exception.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return [
    `${exception.name} (SQLSTATE ${exception.code ?? '?'}${names.length ? `; ${names.join(', ')}` : ''}): ${reason}`,
    ...frames,
  ].join('\n');
}

/** SQLSTATEs and socket errors of a database that is down, restarting or unreachable. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
// "Transaction query already complete": knex ended (rolled back) the transaction because its
// connection died, and the next statement of that transaction finds it gone
const UNAVAILABLE_MESSAGES =
  /Timeout acquiring a connection|Connection terminated|connection is closed|Client has encountered a connection error|Transaction query already complete/i;

export function isDatabaseUnavailable(exception: unknown): boolean {
  if (exception instanceof ConnectionException) return true;
  if (!(exception instanceof Error) || exception instanceof HttpException) return false;
  const code = (exception as { code?: unknown }).code;
  return (
    (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) ||
    UNAVAILABLE_MESSAGES.test(exception.message)
  );
}

function isHealthReport(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'status' in body && 'details' in body;
}

/** An http-errors 4xx (what body-parser and the router throw without a known `type`). */
function isExposedClientError(exception: unknown): exception is Error & { status: number } {
  if (!(exception instanceof Error)) return false;
  const { status, expose } = exception as { status?: unknown; expose?: unknown };
  return expose === true && typeof status === 'number' && status >= 400 && status < 500;
}

const PHRASES: Partial<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function reasonPhrase(status: number): string {
  return PHRASES[status] ?? 'Error';
}
