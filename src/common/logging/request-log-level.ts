import type { IncomingMessage, ServerResponse } from 'node:http';

/** `PUT`/`DELETE /api/articles/:id/votes/:dimension`, the hottest write. */
const VOTE_ROUTE = /^\/api\/articles\/[^/?#]+\/votes\/[^/?#]+\/?(?:[?#]|$)/;

/**
 * The level of a request's log line. A successful vote writes none: a pino line per vote
 * (serialising request and response, one write(2) each) is a sizeable share of a vote's CPU
 * (README "The vote write path"), and /metrics already counts votes and their latency. Every
 * failed vote (4xx, 5xx) is still logged, and every other request as before.
 */
export function requestLogLevel(
  request: IncomingMessage,
  response: ServerResponse,
  error?: Error,
): 'error' | 'info' | 'silent' {
  if (error || response.statusCode >= 500) return 'error';
  if (
    response.writableFinished && // answered, not a connection closed before the answer
    response.statusCode < 300 &&
    (request.method === 'PUT' || request.method === 'DELETE') &&
    VOTE_ROUTE.test(request.url ?? '')
  ) {
    return 'silent';
  }
  return 'info';
}
