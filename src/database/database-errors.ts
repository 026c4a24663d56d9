import { ConnectionException, DriverException } from '@mikro-orm/core';
import { HttpException } from '@nestjs/common';

/**
 * What a database failure means for the caller, decided once for every transport: the JSON
 * filter (503 + Retry-After), the reader pages' HTML filter (a "try again" page, 503) and the
 * socket acks and handshake (`unavailable`) each map `isDatabaseUnavailable` to their answer.
 */

/** How long a client should wait before retrying while the database is unavailable. */
export const RETRY_AFTER_SECONDS = 1;

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

/** A restart, failover or outage of PostgreSQL: the same request may simply be retried. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof ConnectionException) return true;
  if (!(error instanceof Error) || error instanceof HttpException) return false;
  const code = (error as { code?: unknown }).code;
  return (
    (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) ||
    UNAVAILABLE_MESSAGES.test(error.message)
  );
}

/**
 * What an unexpected failure logs: the error with its stack, but a failed SQL statement without
 * the statement and the failing row, whose values may be a password hash, a token hash or user
 * text. The database's reason and the table, column or constraint it names are kept.
 */
export function loggable(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  if (!(error instanceof DriverException)) return error.stack;
  const { table, column, constraint } = error as unknown as Record<string, unknown>;
  const text = error.message;
  const detail = text.lastIndexOf('\n - detail:');
  const statement = detail === -1 ? text : text.slice(0, detail);
  const separator = statement.lastIndexOf(' - ');
  const reason = separator === -1 ? statement : statement.slice(separator + 3);
  const names = Object.entries({ table, column, constraint })
    .filter(([, value]) => typeof value === 'string')
    .map(([key, value]) => `${key} ${String(value)}`);
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return [
    `${error.name} (SQLSTATE ${error.code ?? '?'}${names.length ? `; ${names.join(', ')}` : ''}): ${reason}`,
    ...frames,
  ].join('\n');
}
