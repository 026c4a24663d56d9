import { MikroOrmModule } from '@mikro-orm/nestjs';
import { DynamicModule, Module } from '@nestjs/common';
import { MigrationRunner } from './migration-runner.service';
import { ormOptions } from './orm-options';

/** MikroORM on PostgreSQL at `databaseUrl`, migrated to the latest schema on start. */
@Module({})
export class DatabaseModule {
  static forRoot(databaseUrl: string): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        MikroOrmModule.forRoot({
          ...ormOptions(databaseUrl),
          entities: undefined,
          entitiesTs: undefined,
          autoLoadEntities: true,
          registerRequestContext: true,
        }),
      ],
      providers: [MigrationRunner],
      exports: [MigrationRunner],
    };
  }
}
