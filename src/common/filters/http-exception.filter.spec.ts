import {
  ConnectionException,
  DriverException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { type ArgumentsHost, BadRequestException, Logger } from '@nestjs/common';
import { NotFoundError } from '../errors/domain-error';
import { isDatabaseUnavailable } from '../../database/database-errors';
import { HttpExceptionFilter } from './http-exception.filter';

function answer(exception: unknown): {
  status: number;
  body: unknown;
  headers: Record<string, string>;
} {
  const result = { status: 0, body: undefined as unknown, headers: {} as Record<string, string> };
  const response = {
    headersSent: false,
    setHeader: (name: string, value: string) => (result.headers[name] = value),
    status(code: number) {
      result.status = code;
      return this;
    },
    json: (body: unknown) => (result.body = body),
  };
  // a request pino-http has seen (it set `log`), so the filter writes no line of its own
  const request = { log: {}, headers: {}, method: 'GET', originalUrl: '/api/articles' };
  const host = {
    switchToHttp: () => ({ getResponse: () => response, getRequest: () => request }),
  } as unknown as ArgumentsHost;
  new HttpExceptionFilter().catch(exception, host);
  return result;
}

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('HttpExceptionFilter', () => {
  beforeAll(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  it.each([
    [
      'a MikroORM ConnectionException',
      new ConnectionException(new Error('connect ECONNREFUSED 127.0.0.1:5432')),
    ],
    [
      'a terminated backend (57P01)',
      new DriverException(withCode('terminating connection due to administrator command', '57P01')),
    ],
    ['a refused socket', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    [
      'an exhausted pool',
      new Error('Knex: Timeout acquiring a connection. The pool is probably full.'),
    ],
    ['a closed connection', new Error('Connection terminated unexpectedly')],
    [
      'a transaction whose connection died under it',
      new DriverException(
        new Error('Transaction query already complete, run with DEBUG=knex:tx for more info'),
      ),
    ],
    ...[
      'ECONNREFUSED',
      'ECONNRESET',
      '57P01',
      '57P02',
      '57P03',
      '08000',
      '08001',
      '08003',
      '08004',
      '08006',
    ].map(
      (code) =>
        [`a DriverException with code ${code}`, new DriverException(withCode('down', code))] as [
          string,
          Error,
        ],
    ),
    [
      'a tarn acquire timeout inside a DriverException',
      new DriverException(
        new Error('Knex: Timeout acquiring a connection. The pool is probably full.'),
      ),
    ],
  ])('answers 503 with Retry-After for %s, showing nothing internal', (_name, exception) => {
    expect(isDatabaseUnavailable(exception)).toBe(true);
    const { status, body, headers } = answer(exception);
    expect(status).toBe(503);
    expect(headers['Retry-After']).toBe('1');
    expect(body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'database unavailable; try again',
    });
  });

  it.each([
    ['a syntax error (42601)', new DriverException(withCode('syntax error', '42601'))],
    ['a plain bug', new TypeError('cannot read properties of undefined')],
    ['an HttpException mentioning a connection', new BadRequestException('Connection terminated')],
  ])('does not take %s for an outage', (_name, exception) => {
    expect(isDatabaseUnavailable(exception)).toBe(false);
    expect(answer(exception).status).not.toBe(503);
    expect(answer(exception).headers['Retry-After']).toBeUndefined();
  });

  it('keeps other database errors and client errors as they were', () => {
    const unique = new UniqueConstraintViolationException(withCode('duplicate key value', '23505'));
    expect(isDatabaseUnavailable(unique)).toBe(false);
    expect(answer(unique)).toMatchObject({
      status: 500,
      body: { message: 'Internal server error' },
    });
    expect(answer(new BadRequestException('limit must be an integer'))).toMatchObject({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: 'limit must be an integer' },
    });
    expect(answer(new NotFoundError('article'))).toMatchObject({
      status: 404,
      body: { message: 'article not found' },
    });
  });
});
