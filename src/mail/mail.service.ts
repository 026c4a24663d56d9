import { randomUUID } from 'node:crypto';
import { CreateRequestContext, EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { BadRequestError, NotFoundError } from '../common/errors/domain-error';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { JobQueue } from '../jobs/job-queue.service';
import { notificationMail, verificationMail } from './mail-composer';
import { MailTokens } from './mail-tokens';
import { MailTransport } from './mail-transport.service';
import { type MailSettings, MailRepository } from './mail.repository';

export const MAIL_QUEUE = 'mail';
export const EMAIL_NOTIFICATIONS = ['off', 'immediate', 'daily'] as const;
const VERIFY_TTL_S = 24 * 3600;
const UNSUBSCRIBE_TTL_S = 365 * 24 * 3600;

type MailJob =
  | { kind: 'verify'; id: string; userId: string; email: string }
  | { kind: 'notification'; notificationId: string };

/**
 * Mails as jobs of the durable queue, enqueued in the transaction of their cause: address
 * verification, and each notification for users with `immediate` mails and a verified address.
 * A retried job builds the same mail with the same Message-ID.
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

  /** In the caller's transaction: mail jobs for the notifications their users want by mail. */
  async enqueueNotifications(
    tx: EntityManager,
    notifications: { id: string; userId: string }[],
  ): Promise<number> {
    const recipients = await this.mails.immediateRecipients([
      ...new Set(notifications.map((n) => n.userId)),
    ]);
    const jobs = notifications
      .filter((n) => recipients.has(n.userId))
      .map((n) => ({ data: { kind: 'notification', notificationId: n.id } as MailJob }));
    await this.jobs.sendInTransaction(tx, MAIL_QUEUE, jobs);
    return jobs.length;
  }

  wake(): void {
    this.jobs.wake(MAIL_QUEUE);
  }

  @CreateRequestContext()
  private async deliver(job: MailJob): Promise<void> {
    const publicUrl = this.config.publicUrl;
    if (job.kind === 'verify') {
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
          this.unsubscribeLink(job.userId),
          publicUrl,
        ),
      );
      return;
    }
    const mail = await this.mails.notificationMail(job.notificationId);
    // settings and address are read again when sending: a change since the job was queued counts
    if (!mail?.email || !mail.emailVerified || mail.emailNotifications !== 'immediate') return;
    if (mail.type === 'reply' && mail.commentStatus !== 'visible') return;
    const comment = `${publicUrl}/articles/${encodeURIComponent(mail.articleSlug)}#comment-${mail.commentId}`;
    await this.transport.send(
      notificationMail(
        { ...mail, email: mail.email },
        { comment, unsubscribe: this.unsubscribeLink(mail.userId) },
        publicUrl,
      ),
    );
  }

  private unsubscribeLink(userId: string): string {
    const exp = Math.floor(Date.now() / 1000) + UNSUBSCRIBE_TTL_S;
    const token = this.tokens.sign({ purpose: 'unsubscribe', userId, exp });
    return `${this.config.publicUrl}/unsubscribe?token=${token}`;
  }
}
