import { ConnectionException, DriverException } from '@mikro-orm/core';
import { handshakeError } from './handshake-error';

describe('handshakeError', () => {
  it.each([
    ['a refused connection', new ConnectionException(new Error('connect ECONNREFUSED'))],
    [
      'a terminated backend',
      new DriverException(Object.assign(new Error('terminating connection'), { code: '57P01' })),
    ],
    ['an exhausted pool', new Error('Knex: Timeout acquiring a connection.')],
  ])('says "unavailable" (retry in 1 s), not "unauthorized", for %s', (_name, cause) => {
    const error = handshakeError(cause);
    expect(error.message).toBe('unavailable');
    expect(error.data).toEqual({ retryAfter: 1 });
  });

  it.each([
    ['a bad token', new Error('unauthorized')],
    ['a plain bug', new TypeError('cannot read properties of undefined')],
    ['a constraint error', new DriverException(Object.assign(new Error('dup'), { code: '23505' }))],
  ])('says "unauthorized" for %s, with nothing else', (_name, cause) => {
    const error = handshakeError(cause);
    expect(error.message).toBe('unauthorized');
    expect(error.data).toBeUndefined();
  });
});
