import { killAllRedisServers } from './redis-server';

/** Stops what the global setup started (same process: its globals are still here). */
export default async function globalTeardown(): Promise<void> {
  const started = globalThis.townhallTestServices;
  globalThis.townhallTestServices = undefined;
  await started?.postgres?.destroy();
  if (started?.redis) await killAllRedisServers();
}
