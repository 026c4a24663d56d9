import { ForbiddenError, UnauthorizedError } from '../errors/domain-error';

/**
 * Why the database refuses a user's write, on its own clock: `banned` (a ban without end or
 * ending later) or `gone` (erased, or no such user). Writes on BanCheckedInWrite routes read
 * this inside their own SQL and answer as the guards would.
 */
export type WriteRefusal = 'banned' | 'gone';

/** The answers the guards give a banned or an erased user: the write paths give the same. */
export const BANNED_MESSAGE = 'your account is banned';
export const GONE_MESSAGE = 'missing or invalid access token';

export function refusalError(refusal: WriteRefusal): ForbiddenError | UnauthorizedError {
  return refusal === 'banned'
    ? new ForbiddenError(BANNED_MESSAGE)
    : new UnauthorizedError(GONE_MESSAGE);
}

/** SQL: the `users` row under `alias` may write now (not erased, not banned). */
export function mayWriteSql(alias: string): string {
  return `${alias}.erased_at IS NULL AND NOT (${alias}.banned_at IS NOT NULL AND (${alias}.banned_until IS NULL OR ${alias}.banned_until > now()))`;
}

/** SQL: the refusal of the `users` row under `alias` (NULL: it may write), as WriteRefusal. */
export function refusalSql(alias: string): string {
  return `CASE WHEN ${alias}.id IS NULL OR ${alias}.erased_at IS NOT NULL THEN 'gone'
               WHEN ${mayWriteSql(alias)} THEN NULL ELSE 'banned' END`;
}
