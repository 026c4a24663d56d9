import { randomUUID } from 'node:crypto';
import { CreateRequestContext, EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { BadRequestError, NotFoundError } from '../common/errors/domain-error';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { JobQueue } from '../jobs/job-queue.service';
import { verificationMail } from './mail-composer';
import { MAIL_QUEUE, MailDigests, type MailJob } from './mail-digests.service';
import { MailTokens, unsubscribeLink } from './mail-tokens';
import { MailTransport } from './mail-transport.service';
import { type MailSettings, MailRepository } from './mail.repository';

export const EMAIL_NOTIFICATIONS = ['off', 'immediate', 'daily'] as const;
const VERIFY_TTL_S = 24 * 3600;
const UNSUBSCRIBE_TTL_S = 365 * 24 * 3600;

/**
 * Mails as jobs of the durable queue, enqueued in the transaction of their cause: address
 * verification, and the notification mails of MailDigests (batched per user, or daily).
 */
@Injectable()
export class MailService implements OnModuleInit {
  private readonly tokens: MailTokens;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly mails: MailRepository,
    private readonly transport: MailTransport,
    private readonly jobs: JobQueue,
    private readonly em: EntityManager,
    private readonly digests: MailDigests,
  ) {
    this.tokens = new MailTokens(config.jwtSecret);
  }

  onModuleInit(): void {
    this.jobs.define<MailJob>({
      name: MAIL_QUEUE,
      batchSize: 10,
      expireInSeconds: 120,
      handle: async (jobs) => {
        for (const job of jobs) await this.deliver(job.data);
      },
    });
  }

  async settings(userId: string): Promise<MailSettings> {
    const settings = await this.mails.settings(userId);
    if (!settings) throw new NotFoundError('user');
    return settings;
  }

  async updateSettings(userId: string, emailNotifications: string): Promise<MailSettings> {
    await this.mails.setNotifications(userId, emailNotifications);
    return this.settings(userId);
  }

  /** Stores the address unverified and sends it a verification link (in one transaction). */
  async changeEmail(userId: string, email: string): Promise<void> {
    await this.em.transactional(async (tx) => {
      await this.mails.setEmail(userId, email);
      await this.jobs.sendInTransaction<MailJob>(tx, MAIL_QUEUE, [
        { data: { kind: 'verify', id: randomUUID(), userId, email } },
      ]);
    });
    this.jobs.wake(MAIL_QUEUE);
  }

  async verifyEmail(token: string): Promise<void> {
    const claims = this.tokens.verify(token, 'verify-email');
    if (!claims?.email || !(await this.mails.verify(claims.userId, claims.email))) {
      throw new BadRequestError('token is not valid or has expired');
    }
  }

  async unsubscribe(token: string): Promise<void> {
    const claims = this.tokens.verify(token, 'unsubscribe');
    if (!claims) throw new BadRequestError('token is not valid or has expired');
    await this.mails.setNotifications(claims.userId, 'off');
  }

  /** In the caller's transaction: the batch jobs of users who want their notifications mailed. */
  enqueueNotifications(
    tx: EntityManager,
    notifications: { id: string; userId: string }[],
  ): Promise<number> {
    return this.digests.queueImmediate(tx, notifications);
  }

  wake(): void {
    this.jobs.wake(MAIL_QUEUE);
  }

  @CreateRequestContext()
  private async deliver(job: MailJob): Promise<void> {
    if (job.kind === 'batch') return this.digests.flushImmediate(job.userId);
    if (job.kind === 'digest') return this.digests.send(job.digestId);
    if (job.kind !== 'verify') return; // a kind of an older version: nothing to do
    const publicUrl = this.config.publicUrl;
    const exp = Math.floor(Date.now() / 1000) + VERIFY_TTL_S;
    const token = this.tokens.sign({
      purpose: 'verify-email',
      userId: job.userId,
      email: job.email,
      exp,
    });
    await this.transport.send(
      verificationMail(
        job.email,
        `${publicUrl}/verify-email?token=${token}`,
        job.id,
        unsubscribeLink(
          this.tokens,
          publicUrl,
          job.userId,
          Math.floor(Date.now() / 1000) + UNSUBSCRIBE_TTL_S,
        ),
        publicUrl,
      ),
    );
  }
}
