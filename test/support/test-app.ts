import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { App } from 'supertest/types';
import { AppModule } from '../../src/app.module';
import { configureApp, listen } from '../../src/app.setup';
import { type AppConfig, type Env, loadConfig } from '../../src/config/app-config';
import { createTestDatabase, type TestDatabase } from './test-database';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';
export const ADMIN = { username: 'admin', password: 'admin-password-1' };

export interface TestApp {
  app: INestApplication;
  http: App;
  /**
   * `http://127.0.0.1:<port>` when started with `listen: true` (for socket clients); `port`
   * fixes the port, for a PUBLIC_URL known before the start (see freePort).
   */
  url: string;
  config: AppConfig;
  database: TestDatabase;
  close(): Promise<void>;
}

/**
 * The real application, configured exactly as main.ts does, on a fresh database of its own.
 * Migrations run on init, as on a real start. `env` overrides the test defaults.
 */
export async function startTestApp(
  env: Env = {},
  options: { listen?: boolean; port?: number } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  try {
    const config = await loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      JWT_SECRET: TEST_JWT_SECRET,
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'silent',
      RATE_LIMITS: 'off',
      ...env,
    });
    const app = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot(config, database.url),
      { bodyParser: false, logger: false, abortOnError: false },
    );
    configureApp(app, config);
    let url = '';
    if (options.listen) {
      await listen(app, options.port ?? 0, '127.0.0.1');
      url = await app.getUrl();
      url = url.replace('[::1]', '127.0.0.1');
    } else {
      await app.init();
    }
    return {
      app,
      url,
      http: app.getHttpServer() as App,
      config,
      database,
      close: async () => {
        await app.close();
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

/** A port free right now, for a server whose own address must be in its configuration. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
