import type { Logger } from '@nestjs/common';

/**
 * A promise rejected with no handler is logged with its stack instead of ending the process
 * (Node 20's default): one bug in a background loop must not drop every socket of the
 * instance at once. Each is a bug to fix; the log line says where.
 */
export function logUnhandledRejections(logger: Logger): void {
  process.on('unhandledRejection', (reason) => {
    const detail = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
    logger.error(`unhandled promise rejection (a bug): ${detail}`);
  });
}
