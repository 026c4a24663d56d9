import type { Logger } from '@nestjs/common';

/** How the log line starts: the suite fails a spec whose server processes wrote one. */
export const UNHANDLED_REJECTION_LOG = 'unhandled promise rejection (a bug)';

/**
 * A promise rejected with no handler is logged with its stack instead of ending the process
 * (Node 20's default): one bug in a background loop must not drop every socket of the
 * instance at once. Each is a bug to fix; the log line says where.
 */
export function logUnhandledRejections(logger: Logger): void {
  process.on('unhandledRejection', (reason) => {
    const detail = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
    logger.error(`${UNHANDLED_REJECTION_LOG}: ${detail}`);
  });
}
