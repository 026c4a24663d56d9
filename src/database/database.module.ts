import { MikroOrmMiddleware, MikroOrmModule } from '@mikro-orm/nestjs';
import {
  type DynamicModule,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  RequestMethod,
} from '@nestjs/common';
import { LEAN_ROUTES } from '../common/http/lean-routes';
import { DIRECT_DATABASE_URL, MigrationRunner } from './migration-runner.service';
import { serverOrmOptions } from './orm-options';

/**
 * MikroORM on PostgreSQL at `databaseUrl`, migrated to the latest schema on start, over
 * `directUrl` when the pool goes through a transaction-pooling PgBouncer. Every request gets
 * its own EntityManager (MikroORM's request context) except on LEAN_ROUTES.
 */
@Module({})
export class DatabaseModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(MikroOrmMiddleware)
      .exclude(...LEAN_ROUTES)
      .forRoutes({ path: '{*all}', method: RequestMethod.ALL });
  }

  static forRoot(databaseUrl: string, directUrl: string | null = null): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        MikroOrmModule.forRoot({
          ...serverOrmOptions(databaseUrl),
          entities: undefined,
          entitiesTs: undefined,
          autoLoadEntities: true,
          registerRequestContext: false, // configure() registers it
        }),
      ],
      providers: [{ provide: DIRECT_DATABASE_URL, useValue: directUrl }, MigrationRunner],
      exports: [MigrationRunner],
    };
  }
}
