/**
 * Entry point for the MikroORM CLI (`npm run migration:*`), which runs against the compiled
 * output. It needs DATABASE_URL: the CLI never starts the embedded server.
 */
import { loadConfig } from '../config/app-config';
import { ormOptions } from './orm-options';

export default loadConfig(process.env).then((config) => {
  if (config.databaseUrl === null) {
    throw new Error('DATABASE_URL must be set for the MikroORM CLI (postgres://user:pass@host/db)');
  }
  // the CLI migrates: behind a transaction-pooling PgBouncer it must reach PostgreSQL itself
  return ormOptions(config.databaseDirectUrl ?? config.databaseUrl, {
    entities: ['dist/src/**/*.entity.js'],
  });
});
