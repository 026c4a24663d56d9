import { RequestMethod } from '@nestjs/common';
import type { RouteInfo } from '@nestjs/common/interfaces';

/** `PUT`/`DELETE /api/articles/:id/votes/:dimension`, the hottest write. */
const VOTE_ROUTE = 'api/articles/:id/votes/:dimension';

/**
 * Routes that skip two per-request middlewares (issue 19, README "The vote write path"):
 * pino-http, whose child logger serialises and redacts the whole request for every request
 * before knowing whether it will log, and MikroORM's request context (an EntityManager fork
 * and an AsyncLocalStorage scope), which they do not need: their SQL goes through `execute`
 * on the context-free connection. A successful vote writes no log line (/metrics counts votes
 * and their latency); a failed one is logged by HttpExceptionFilter with its request id.
 */
export const LEAN_ROUTES: RouteInfo[] = [
  { path: VOTE_ROUTE, method: RequestMethod.PUT },
  { path: VOTE_ROUTE, method: RequestMethod.DELETE },
];
