import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  isDatabaseUnavailable,
  loggable,
  RETRY_AFTER_SECONDS,
} from '../../database/database-errors';
import { DomainError, type DomainErrorCode } from '../errors/domain-error';

const STATUS_OF: Record<DomainErrorCode, HttpStatus> = {
  bad_request: HttpStatus.BAD_REQUEST,
  unauthorized: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  rate_limited: HttpStatus.TOO_MANY_REQUESTS,
  overloaded: HttpStatus.SERVICE_UNAVAILABLE,
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
    const request = host.switchToHttp().getRequest<Request & { log?: unknown }>();
    if (exception instanceof HttpException && isHealthReport(exception.getResponse())) {
      // @nestjs/terminus's 503: its report is the answer ({status, info, error, details})
      response.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    if (isDatabaseUnavailable(exception)) {
      // a restart or failover: the client may simply retry; nothing internal is shown
      this.logger.warn(`database unavailable: ${(exception as Error).message}`);
      this.logUnlogged(request, HttpStatus.SERVICE_UNAVAILABLE);
      if (!response.headersSent) {
        response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
        response.status(HttpStatus.SERVICE_UNAVAILABLE).json({
          statusCode: HttpStatus.SERVICE_UNAVAILABLE,
          error: 'Service Unavailable',
          message: 'database unavailable; try again',
        });
      }
      return;
    }
    if (exception instanceof DomainError && exception.code === 'overloaded') {
      response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    }
    const [status, message] = this.describe(exception);
    if (status >= 500) this.logger.error(loggable(exception));
    this.logUnlogged(request, status, message);
    if (response.headersSent) return;
    response.status(status).json({ statusCode: status, error: reasonPhrase(status), message });
  }

  /**
   * The line pino-http would have written for a failed request on a route it skips
   * (LEAN_ROUTES: a failed vote is still logged, with its request id).
   */
  private logUnlogged(request: Request & { log?: unknown }, status: number, message?: unknown) {
    if (request.log !== undefined) return;
    const line = {
      reqId: request.headers['x-request-id'],
      method: request.method,
      url: request.originalUrl,
      statusCode: status,
      message,
    };
    if (status >= 500) this.logger.error(line, 'request errored');
    else this.logger.log(line, 'request failed');
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
      const limit = (exception as { limit?: unknown }).limit;
      // the admin settings routes take bigger bodies than the 64 KiB of every other route
      if (type === 'entity.too.large' && typeof limit === 'number' && limit !== 64 * 1024) {
        return [HttpStatus.PAYLOAD_TOO_LARGE, `Body exceeds ${Math.round(limit / 1024)} KiB`];
      }
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
