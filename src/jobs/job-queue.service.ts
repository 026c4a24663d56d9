import { MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import PgBoss from 'pg-boss';
import { transactionDb } from './transaction-db';

export interface QueueDefinition<T extends object> {
  name: string;
  /** Jobs fetched at once; the handler gets them together. */
  batchSize: number;
  /** A job whose worker died is given back after this long (pg-boss expiry). */
  expireInSeconds: number;
  handle(jobs: PgBoss.Job<T>[]): Promise<void>;
  /** A cron expression (UTC): pg-boss sends one job of this queue at each time, cluster-wide. */
  cron?: string;
}

export interface JobToSend<T extends object> {
  data: T;
  startAfter?: Date;
  /** With `singletonSeconds`: one job of this key per slot of that many seconds; others dropped. */
  singletonKey?: string;
  singletonSeconds?: number;
}

/** pg-boss's own tables live in this schema; it installs and migrates them itself at start. */
export const JOB_SCHEMA = 'pgboss';
/**
 * Held while pg-boss starts and the queues are created: two instances starting together would
 * otherwise create the same queue's partition at once and deadlock in pg-boss's create_queue.
 */
const CREATE_QUEUES_LOCK = 7_226_180_017;

/**
 * The durable job queue, pg-boss on the application's PostgreSQL (the embedded default too).
 * Every instance runs the workers of every queue; a job is taken by one of them
 * (`FOR UPDATE SKIP LOCKED`). Jobs are sent inside the transaction of the change that causes
 * them (`sendInTransaction`), so a crash between COMMIT and the work loses nothing.
 */
@Injectable()
export class JobQueue implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobQueue.name);
  private readonly definitions = new Map<string, QueueDefinition<object>>();
  private readonly workers = new Map<string, string>();
  private readonly boss: PgBoss;
  private started = false;

  constructor(private readonly orm: MikroORM) {
    this.boss = new PgBoss({
      connectionString: orm.config.get('clientUrl'),
      schema: JOB_SCHEMA,
      max: 4,
      application_name: 'townhall-jobs',
      migrate: true,
      supervise: true,
      // the cron of queues that have one (the daily mail digest): one job per time, cluster-wide
      schedule: true,
      maintenanceIntervalSeconds: 30,
    });
    this.boss.on('error', (error: Error) => this.logger.warn(`job queue: ${error.message}`));
  }

  /** Called by the modules that own a queue, before the application has started. */
  define<T extends object>(definition: QueueDefinition<T>): void {
    this.definitions.set(definition.name, definition as QueueDefinition<object>);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.orm.em.fork().transactional(async (em) => {
      await em.execute('SELECT pg_advisory_xact_lock(?)', [CREATE_QUEUES_LOCK]);
      // under the lock too: the scheduler's start creates its own queue (pg-boss's send-it)
      await this.boss.start();
      for (const definition of this.definitions.values()) {
        if (await this.boss.getQueue(definition.name)) continue;
        await this.boss.createQueue(definition.name, {
          name: definition.name,
          expireInSeconds: definition.expireInSeconds,
          retryLimit: 5,
          retryDelay: 1,
          retryBackoff: true,
        });
      }
    });
    for (const definition of this.definitions.values()) {
      if (definition.cron) {
        await this.boss.schedule(definition.name, definition.cron, {}, { tz: 'UTC' });
      }
      const id = await this.boss.work<object>(
        definition.name,
        { batchSize: definition.batchSize, pollingIntervalSeconds: 0.5 },
        async (jobs) => {
          await definition.handle(jobs);
          // a full batch: more are likely waiting; fetch again now, not after the polling pause
          // (pg-boss waits out the interval after a quick batch however many jobs are left)
          if (jobs.length >= definition.batchSize) this.wake(definition.name);
        },
      );
      this.workers.set(definition.name, id);
    }
    this.started = true;
  }

  /** Adds jobs in the transaction of `em` (which must be inside `em.transactional`). */
  async sendInTransaction<T extends object>(
    em: EntityManager,
    name: string,
    jobs: JobToSend<T>[],
  ): Promise<void> {
    if (jobs.length === 0) return;
    await this.boss.insert(
      jobs.map((job) => ({
        name,
        data: job.data,
        startAfter: job.startAfter,
        singletonKey: job.singletonKey,
        singletonSeconds: job.singletonSeconds,
      })),
      { db: transactionDb(em) },
    );
  }

  /** Adds one job outside any transaction (e.g. to run a scheduled queue now). */
  async send<T extends object>(name: string, data: T): Promise<void> {
    await this.boss.send(name, data);
    this.wake(name);
  }

  /** Lets this instance's worker of `name` look for jobs now instead of at its next poll. */
  wake(name: string): void {
    const id = this.workers.get(name);
    if (id) this.boss.notifyWorker(id);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, wait: true, timeout: 5_000 });
  }
}
