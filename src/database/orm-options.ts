import { resolve } from 'node:path';
import { inspect } from 'node:util';
import { Migrator } from '@mikro-orm/migrations';
import { Logger } from '@nestjs/common';
import { defineConfig, type Options, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { SeedManager } from '@mikro-orm/seeder';

/** True when running from TypeScript sources (Jest), false from the compiled `dist/`. */
const fromSources = __filename.endsWith('.ts');
const projectRoot = resolve(__dirname, fromSources ? '../..' : '../../..');
const logger = new Logger('MikroORM');

/**
 * MikroORM options shared by the application and the MikroORM CLI. Entities are found by
 * glob for the CLI and registered per feature module (`autoLoadEntities`) in the app.
 */
export function ormOptions(clientUrl: string, overrides: Partial<Options> = {}): Options {
  return defineConfig({
    clientUrl,
    driver: PostgreSqlDriver,
    baseDir: projectRoot,
    preferTs: fromSources,
    entities: ['dist/src/**/*.entity.js'],
    entitiesTs: ['src/**/*.entity.ts'],
    extensions: [Migrator, SeedManager],
    forceUtcTimezone: true,
    // every request forks its own context; a missing one is a bug, not a shared global state
    allowGlobalContext: false,
    pool: { min: 0, max: 10 },
    migrations: {
      tableName: 'mikro_orm_migrations',
      path: 'dist/migrations',
      pathTs: 'migrations',
      glob: '!(*.d).{js,ts}',
      emit: 'ts',
      transactional: true,
      allOrNothing: true,
      snapshot: true,
      snapshotName: '.snapshot-townhall',
      // MigrationRunner logs what it applied
      silent: true,
    },
    seeder: { path: 'dist/src/articles/demo', pathTs: 'src/articles/demo' },
    debug: false,
    logger: (message) => logger.debug(message),
    // knex prints its pool warnings (a connection that PostgreSQL ended, …) with console.log
    // unless given a logger: route them through the application's structured log
    driverOptions: {
      log: {
        warn: (message: unknown) => logger.warn(knexMessage(message)),
        error: (message: unknown) => logger.error(knexMessage(message)),
        deprecate: (method: string, alternative: string) =>
          logger.warn(`knex: ${method} is deprecated, use ${alternative}`),
        debug: (message: unknown) => logger.debug(knexMessage(message)),
      },
    },
    ...overrides,
  });
}

/**
 * The options of a running server: as ormOptions, but applying migrations does not rewrite
 * their snapshot (the server is not where migrations are made; MikroORM rewrote the committed
 * file from the database on every start that migrated, in an order that varies).
 */
export function serverOrmOptions(clientUrl: string, overrides: Partial<Options> = {}): Options {
  const options = ormOptions(clientUrl, overrides);
  return { ...options, migrations: { ...options.migrations, snapshot: false } };
}

function knexMessage(message: unknown): string {
  return typeof message === 'string' ? message : inspect(message, { depth: 2 });
}
