import { CheckConstraintViolationException } from '@mikro-orm/core';
import { loggable } from './database-errors';

describe('loggable', () => {
  it('logs a failed statement by its reason and names, never its values or failing row', () => {
    const hash = 'scrypt$32768$8$3$c2FsdA==$a2V5';
    const failed = new CheckConstraintViolationException(
      Object.assign(
        new Error(
          `insert into "users" ("username", "password_hash") values ('a - b', '${hash}') - new row for relation "users" violates check constraint "name_ok"\n - detail: Failing row contains (a - b, ${hash}).`,
        ),
        { code: '23514', table: 'users', constraint: 'name_ok' },
      ),
    );
    const logged = loggable(failed) as string;
    expect(logged.split('\n')[0]).toBe(
      'CheckConstraintViolationException (SQLSTATE 23514; table users, constraint name_ok): new row for relation "users" violates check constraint "name_ok"',
    );
    expect(logged).toMatch(/\n\s+at /);
    expect(logged).not.toContain('scrypt');
    expect(logged).not.toContain('a - b');
    expect(logged).not.toContain('Failing row');
  });

  it('logs any other error with its stack', () => {
    const error = new Error('boom');
    expect(loggable(error)).toBe(error.stack);
    expect(loggable('text')).toBe('text');
  });
});
