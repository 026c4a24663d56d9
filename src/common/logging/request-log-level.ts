import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The level of a request's log line: errors (a 5xx or a failed answer) as `error`, every other
 * request as `info`. A successful vote writes none: the vote routes skip pino-http altogether
 * (LEAN_ROUTES; HttpExceptionFilter logs their failures).
 */
export function requestLogLevel(
  _request: IncomingMessage,
  response: ServerResponse,
  error?: Error,
): 'error' | 'info' {
  return error || response.statusCode >= 500 ? 'error' : 'info';
}
