import { isDatabaseUnavailable, RETRY_AFTER_SECONDS } from '../../database/database-errors';

/** The `connect_error` of a refused handshake, as the client sees it. */
export interface HandshakeError extends Error {
  data?: { retryAfter: number };
}

/**
 * Why a handshake failed, for the client: "unavailable" (retry in a second, the token is fine)
 * when the user could not be loaded because the database is down or restarting, "unauthorized"
 * for everything else (a bad, expired or unknown token).
 */
export function handshakeError(cause: unknown): HandshakeError {
  if (!isDatabaseUnavailable(cause)) return new Error('unauthorized');
  return Object.assign(new Error('unavailable'), { data: { retryAfter: RETRY_AFTER_SECONDS } });
}
