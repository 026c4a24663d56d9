import { createHash } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';

/** How often the epoch is read again (a failover shows within this). */
export const EPOCH_REFRESH_MS = 5_000;

/**
 * The name of the history that comment `seq` numbers count in (the `epoch` of the subscribe
 * ack). It changes whenever that history could have been rewound: PostgreSQL's system
 * identifier (another cluster: a restore from a dump or a base backup elsewhere), its timeline
 * (a promoted replica, which may lack the old primary's last commits) and the stream_epoch
 * row's generation (bumped by hand after a restore onto the same cluster). Where the server
 * may not read pg_control (some managed databases), only the generation counts, and the
 * operator bumps it after a failover.
 */
@Injectable()
export class StreamEpoch implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StreamEpoch.name);
  private value: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private controlReadable = true;

  constructor(private readonly orm: MikroORM) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.refresh().catch(() => undefined);
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), EPOCH_REFRESH_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The current epoch (read from PostgreSQL the first time). */
  async current(): Promise<string> {
    return this.value ?? (await this.refresh());
  }

  async refresh(): Promise<string> {
    const connection = this.orm.em.getConnection();
    const [row] = await connection.execute<{ generation: number }[]>(
      'SELECT generation FROM stream_epoch WHERE id = 1',
    );
    let cluster = '';
    if (this.controlReadable) {
      try {
        const [control] = await connection.execute<{ system: string; timeline: number }[]>(
          `SELECT system_identifier::text AS system,
                  (SELECT timeline_id FROM pg_control_checkpoint()) AS timeline
             FROM pg_control_system()`,
        );
        cluster = `${control?.system}/${control?.timeline}`;
      } catch (error) {
        this.controlReadable = false;
        this.logger.warn(
          `pg_control is not readable (${(error as Error).message}); the stream epoch follows ` +
            'only stream_epoch.generation: bump it after a failover or a restore',
        );
      }
    }
    const value = createHash('sha256')
      .update(`${cluster}/${row?.generation ?? 1}`)
      .digest('base64url')
      .slice(0, 16);
    if (this.value !== null && value !== this.value) {
      this.logger.warn(`stream epoch changed (${this.value} → ${value}): clients resync`);
    }
    this.value = value;
    return value;
  }
}
