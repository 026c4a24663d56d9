import type { AppConfig } from '../config/app-config';
import { EmbeddedPostgres } from './embedded-postgres';

/** The PostgreSQL the app talks to: the configured one, or the embedded default. */
export interface DatabaseServer {
  url: string;
  /** For logs: never contains the password. */
  description: string;
  stop(): Promise<void>;
  /** The embedded server ended by itself (nothing restarts it): `listener` gets why. */
  onUnexpectedExit(listener: (message: string) => void): void;
  /** Why the embedded server ended by itself, if it does within `ms`; else null. */
  unexpectedExitWithin(ms: number): Promise<string | null>;
}

export async function openDatabase(config: AppConfig): Promise<DatabaseServer> {
  if (config.databaseUrl !== null) {
    const url = new URL(config.databaseUrl);
    return {
      url: config.databaseUrl,
      description: `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`,
      stop: async () => undefined,
      // an external server's outage is survived: the API answers 503 until it is back
      onUnexpectedExit: () => undefined,
      unexpectedExitWithin: async () => null,
    };
  }
  const embedded = await EmbeddedPostgres.start(config.dataDir);
  return {
    url: embedded.url,
    description: `embedded PostgreSQL in ${config.dataDir}`,
    stop: () => embedded.stop(),
    onUnexpectedExit: (listener) => embedded.onUnexpectedExit(listener),
    unexpectedExitWithin: (ms) => embedded.unexpectedExitWithin(ms),
  };
}
