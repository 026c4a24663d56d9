import { CreateRequestContext, EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { JobQueue } from '../jobs/job-queue.service';
import { DIGEST_ITEMS, type DigestItem, DigestsRepository } from './digests.repository';
import { digestMail } from './mail-composer';
import { MailTokens, unsubscribeLink } from './mail-tokens';
import { MailTransport } from './mail-transport.service';
import { MailRepository } from './mail.repository';

/** The queue of mails (verification, immediate batches, digests to send); see MailService. */
export const MAIL_QUEUE = 'mail';
/** The daily run: pg-boss sends one job of it per day (cron), cluster-wide. */
export const DAILY_QUEUE = 'mail-daily';
/** Users given a daily digest per transaction of the daily run. */
const DAILY_CHUNK = 500;

export type MailJob =
  | { kind: 'verify'; id: string; userId: string; email: string }
  /** The batch window of this user's immediate notifications closed: mail what waits. */
  | { kind: 'batch'; userId: string }
  | { kind: 'digest'; digestId: string };

/** `day`: the UTC date to file the digests under (today when absent; tests pass their own). */
export interface DailyJob {
  day?: string;
}

/**
 * Notification mails. `immediate`: each notification of a user with a verified address is
 * marked in the drainer's transaction, which also queues a batch job for when the user's
 * window (MAIL_BATCH_MS, 55 s: mailed within a minute) closes, one per user per window; that job puts every waiting
 * notification into one digest and mails it. `daily`: once a day (MAIL_DIGEST_HOUR, UTC) every
 * such user gets one digest of the unread notifications no mail carried yet. A digest is stored
 * with its notifications before it is sent, so a retry sends the same mail, Message-ID included;
 * settings and address are read again when sending, so an unsubscribed or unverified address
 * gets nothing.
 */
@Injectable()
export class MailDigests implements OnModuleInit {
  private readonly logger = new Logger(MailDigests.name);
  private readonly tokens: MailTokens;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly digests: DigestsRepository,
    private readonly mails: MailRepository,
    private readonly transport: MailTransport,
    private readonly jobs: JobQueue,
    private readonly em: EntityManager,
  ) {
    this.tokens = new MailTokens(config.jwtSecret);
  }

  onModuleInit(): void {
    this.jobs.define<DailyJob>({
      name: DAILY_QUEUE,
      batchSize: 1,
      expireInSeconds: 600,
      cron: `0 ${this.config.mailDigestHour} * * *`,
      handle: async ([job]) => {
        if (job) await this.runDaily(job.data.day);
      },
    });
  }

  /**
   * In the drainer's transaction: marks the notifications whose users want them at once and
   * queues each such user's batch job (dropped when one is queued for this window already).
   */
  async queueImmediate(
    tx: EntityManager,
    notifications: { id: string; userId: string }[],
  ): Promise<number> {
    const recipients = await this.mails.immediateRecipients([
      ...new Set(notifications.map((n) => n.userId)),
    ]);
    if (recipients.size === 0) return 0;
    await this.digests.markImmediate(
      notifications.filter((n) => recipients.has(n.userId)).map((n) => n.id),
    );
    const windowMs = this.config.mailBatchMs;
    await this.jobs.sendInTransaction<MailJob>(
      tx,
      MAIL_QUEUE,
      [...recipients].map((userId) => ({
        data: { kind: 'batch', userId },
        startAfter: new Date(Date.now() + windowMs),
        singletonKey: `batch:${userId}`,
        singletonSeconds: Math.max(1, Math.round(windowMs / 1000)),
      })),
    );
    return recipients.size;
  }

  /** Sends this queue's job now instead of at the cron's next time (operators, tests). */
  runDailyNow(day?: string): Promise<void> {
    return this.jobs.send<DailyJob>(DAILY_QUEUE, day ? { day } : {});
  }

  /** A batch job: the user's waiting notifications become one digest; unsent ones are sent. */
  @CreateRequestContext()
  async flushImmediate(userId: string): Promise<void> {
    await this.em.transactional(() => this.digests.createImmediate(userId));
    for (const id of await this.digests.unsent(userId, 'immediate')) await this.send(id);
  }

  /** The daily run: digests for every user due, each sent by its own job. */
  @CreateRequestContext()
  async runDaily(day = new Date().toISOString().slice(0, 10)): Promise<void> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`daily digest: bad day "${day}"`);
    const until = new Date();
    let made = 0;
    for (;;) {
      const ids = await this.em.transactional(async (tx) => {
        const created = await this.digests.createDaily(day, until, DAILY_CHUNK);
        await this.jobs.sendInTransaction<MailJob>(
          tx,
          MAIL_QUEUE,
          created.map((digestId) => ({ data: { kind: 'digest', digestId } })),
        );
        return created;
      });
      made += ids.length;
      if (ids.length < DAILY_CHUNK) break;
    }
    if (made > 0) {
      this.logger.log(`daily digests of ${day}: ${made}`);
      this.jobs.wake(MAIL_QUEUE);
    }
  }

  /** Sends one digest unless it was sent or another worker is sending it. */
  @CreateRequestContext()
  async send(digestId: string): Promise<void> {
    const digest = await this.digests.claim(digestId);
    if (!digest) return;
    // its worker may have died: this job is retried later, and sends it once the lease is over
    if (digest === 'busy')
      throw new Error(`mail digest ${digestId} is being sent by another worker`);
    // a reply since removed or held is not told; the rest are as they were
    const items = digest.items.filter(
      (item) => item.type !== 'reply' || item.commentStatus === 'visible',
    );
    const wanted = digest.emailNotifications === digest.kind && digest.emailVerified;
    if (!digest.email || !wanted || items.length === 0) {
      await this.digests.done(digest.id);
      return;
    }
    const publicUrl = this.config.publicUrl;
    const listed = items.slice(0, DIGEST_ITEMS);
    // valid a year from the digest's making: every attempt writes the very same link
    const exp = Math.floor(digest.createdAt.getTime() / 1000) + 365 * 24 * 3600;
    const mail = digestMail(
      { id: digest.id, kind: digest.kind, email: digest.email, items: listed },
      items.length - listed.length,
      {
        // the permalink: the publisher's page of the article when it has one, else the reader page
        comment: (item: DigestItem) => `${publicUrl}/comments/${item.commentId}`,
        unsubscribe: unsubscribeLink(this.tokens, publicUrl, digest.userId, exp),
      },
      publicUrl,
    );
    try {
      await this.transport.send(mail);
    } catch (error) {
      await this.digests.release(digest.id);
      throw error;
    }
    await this.digests.done(digest.id);
  }
}
