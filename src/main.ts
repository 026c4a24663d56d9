import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp, listen } from './app.setup';
import { logUnhandledRejections } from './common/process/unhandled-rejections';
import { drainHttpConnections } from './common/shutdown/http-drain';
import { describeRedis } from './common/redis/redis-client';
import { ConfigError, loadConfig } from './config/app-config';
import { openDatabase, type DatabaseServer } from './database/database-server';
import { StartupError } from './database/startup-error';

const SHUTDOWN_TIMEOUT_MS = 10_000;
/** After a failed start, how long to wait for a dying PostgreSQL to exit (its backends first). */
const STARTUP_DEATH_GRACE_MS = 3_000;

async function bootstrap(): Promise<void> {
  const logger = new Logger('Townhall');
  logUnhandledRejections(logger);
  const config = await loadConfig(process.env);
  const database = await openDatabase(config);
  // during the start as while serving: end with its log rather than wait for it forever
  database.onUnexpectedExit((message) => {
    console.error(message);
    process.exit(1);
  });
  let app: NestExpressApplication;
  try {
    app = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot(config, database.url),
      // abortOnError: false: a failed start reaches the catch below instead of exiting in Nest
      { bodyParser: false, bufferLogs: true, abortOnError: false },
    );
    configureApp(app, config);
    await listen(app, config.port);
  } catch (error) {
    // when PostgreSQL died, what the ORM saw of it (ECONNREFUSED) is a consequence: name the cause
    const died = await database.unexpectedExitWithin(STARTUP_DEATH_GRACE_MS);
    if (died !== null) throw new StartupError(died);
    await database.stop();
    throw error;
  }
  const bus = describeRedis(config);
  logger.log(
    `Townhall ready at http://localhost:${config.port}/ — database: ${database.description}; bus: ${bus}; API docs at /api/docs`,
  );
  handleShutdown(app, database, logger);
}

/**
 * SIGTERM/SIGINT: stop accepting, finish requests in flight, close the sockets so that clients
 * reconnect elsewhere, close pools and PostgreSQL, exit 0.
 */
function handleShutdown(
  app: NestExpressApplication,
  database: DatabaseServer,
  logger: Logger,
): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: shutting down`);
    setTimeout(() => {
      logger.error(`shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms; exiting`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    // keep-alive connections must not hold the drain open until they time out
    drainHttpConnections(app.getHttpServer());
    // Nest then stops accepting, closes the Socket.IO engine (clients see "transport close"
    // and reconnect, to another instance), waits for the requests in flight, closes the pools
    app
      .close()
      .then(() => database.stop())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(error);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

bootstrap().catch((error: unknown) => {
  // a configuration or startup problem is the operator's to fix: say what, without a stack
  const operators = error instanceof ConfigError || error instanceof StartupError;
  console.error(operators ? error.message : error);
  process.exit(1);
});
