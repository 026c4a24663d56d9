import { MikroOrmModule } from '@mikro-orm/nestjs';
import { DynamicModule, Module } from '@nestjs/common';
import { DIRECT_DATABASE_URL, MigrationRunner } from './migration-runner.service';
import { serverOrmOptions } from './orm-options';

/**
 * MikroORM on PostgreSQL at `databaseUrl`, migrated to the latest schema on start, over
 * `directUrl` when the pool goes through a transaction-pooling PgBouncer.
 */
@Module({})
export class DatabaseModule {
  static forRoot(databaseUrl: string, directUrl: string | null = null): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        MikroOrmModule.forRoot({
          ...serverOrmOptions(databaseUrl),
          entities: undefined,
          entitiesTs: undefined,
          autoLoadEntities: true,
          registerRequestContext: true,
        }),
      ],
      providers: [{ provide: DIRECT_DATABASE_URL, useValue: directUrl }, MigrationRunner],
      exports: [MigrationRunner],
    };
  }
}
