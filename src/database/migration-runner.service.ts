import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { serverOrmOptions } from './orm-options';

/** Arbitrary constant shared by every Townhall instance: "townhall migrations". */
const MIGRATION_LOCK_KEY = 7_412_001;

/** Where the migrations run: null when it is the application's own DATABASE_URL. */
export const DIRECT_DATABASE_URL = Symbol('DIRECT_DATABASE_URL');

/**
 * Brings the schema up to date on start. The session-level advisory lock makes instances
 * that start together take turns: the first migrates, the others then find nothing pending.
 * Behind a transaction-pooling PgBouncer a session lock is unsafe (the lock and the unlock may
 * land on different server connections): with DATABASE_DIRECT_URL set, the migrations and
 * their lock use a short-lived connection of their own to PostgreSQL itself.
 */
@Injectable()
export class MigrationRunner implements OnModuleInit {
  private readonly logger = new Logger(MigrationRunner.name);

  constructor(
    private readonly orm: MikroORM,
    @Inject(DIRECT_DATABASE_URL) private readonly directUrl: string | null,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.migrate();
  }

  async migrate(): Promise<void> {
    if (this.directUrl === null) return this.migrateWith(this.orm);
    const direct = await MikroORM.init({
      ...serverOrmOptions(this.directUrl, { pool: { min: 0, max: 2 } }),
      // the migrations are SQL of their own: this connection needs no entities
      entities: [],
      entitiesTs: [],
      discovery: { warnWhenNoEntities: false },
    });
    try {
      await this.migrateWith(direct);
    } finally {
      await direct.close(true);
    }
  }

  private async migrateWith(orm: MikroORM): Promise<void> {
    const knex = orm.em.getConnection().getKnex();
    // one dedicated connection holds the lock while the migrator uses the pool
    const connection: unknown = await knex.client.acquireConnection();
    try {
      await knex.raw('SELECT pg_advisory_lock(?)', [MIGRATION_LOCK_KEY]).connection(connection);
      try {
        const applied = await orm.getMigrator().up();
        if (applied.length > 0) {
          this.logger.log(
            `applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}`,
          );
        }
      } finally {
        await knex.raw('SELECT pg_advisory_unlock(?)', [MIGRATION_LOCK_KEY]).connection(connection);
      }
    } finally {
      await knex.client.releaseConnection(connection);
    }
  }
}
