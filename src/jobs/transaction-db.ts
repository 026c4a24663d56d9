import type { EntityManager } from '@mikro-orm/postgresql';
import type PgBoss from 'pg-boss';

/**
 * pg-boss's `db` option for statements that must run in the caller's MikroORM transaction (the
 * job commits or rolls back with the change that caused it). pg-boss writes `$1`-style
 * parameters; knex under MikroORM binds `?`, so each `$n` becomes a `?` bound to value n
 * (a parameter used twice is bound twice) and literal `?` are escaped.
 */
export function transactionDb(em: EntityManager): PgBoss.Db {
  return {
    executeSql: async (text, values = []) => {
      const bindings: unknown[] = [];
      const sql = text.replace(/\?/g, '\\?').replace(/\$(\d+)/g, (_match, index: string) => {
        bindings.push(values[Number(index) - 1]);
        return '?';
      });
      const rows = await em
        .getConnection()
        .execute<Record<string, unknown>[]>(sql, bindings, 'all', em.getTransactionContext());
      return { rows };
    },
  };
}
