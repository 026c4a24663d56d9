import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';

/** Arbitrary constant shared by every Townhall instance: "townhall migrations". */
const MIGRATION_LOCK_KEY = 7_412_001;

/**
 * Brings the schema up to date on start. The session-level advisory lock makes instances
 * that start together take turns: the first migrates, the others then find nothing pending.
 */
@Injectable()
export class MigrationRunner implements OnModuleInit {
  private readonly logger = new Logger(MigrationRunner.name);

  constructor(private readonly orm: MikroORM) {}

  async onModuleInit(): Promise<void> {
    await this.migrate();
  }

  async migrate(): Promise<void> {
    const knex = this.orm.em.getConnection().getKnex();
    // one dedicated connection holds the lock while the migrator uses the pool
    const connection: unknown = await knex.client.acquireConnection();
    try {
      await knex.raw('SELECT pg_advisory_lock(?)', [MIGRATION_LOCK_KEY]).connection(connection);
      try {
        const applied = await this.orm.getMigrator().up();
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
