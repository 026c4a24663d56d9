import { Inject, Injectable, Logger } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable per cause: a retried job sends the same Message-ID. */
  messageId: string;
  headers?: Record<string, string>;
}

const DEV_MAILBOX_SIZE = 100;

/**
 * nodemailer over SMTP_URL. Without it mails are written to the log and, outside production,
 * kept (the latest 100) for the dev page /dev/mail, so the links in them can be clicked.
 */
@Injectable()
export class MailTransport {
  private readonly logger = new Logger(MailTransport.name);
  private readonly transport: Transporter | null;
  private readonly devMailbox: (OutgoingMail & { sentAt: string })[] = [];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.transport = config.smtpUrl ? createTransport(config.smtpUrl) : null;
  }

  async send(mail: OutgoingMail): Promise<void> {
    if (!this.transport) {
      this.logger.log(
        `mail (SMTP_URL unset, not sent) to ${mail.to}: ${mail.subject}\n${mail.text}`,
      );
      if (this.config.nodeEnv !== 'production') {
        this.devMailbox.unshift({ ...mail, sentAt: new Date().toISOString() });
        this.devMailbox.length = Math.min(this.devMailbox.length, DEV_MAILBOX_SIZE);
      }
      return;
    }
    await this.transport.sendMail({
      from: this.config.mailFrom,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: mail.messageId,
      headers: mail.headers,
    });
  }

  /** Null in production or when mails really go out. */
  devMails(): (OutgoingMail & { sentAt: string })[] | null {
    return this.transport || this.config.nodeEnv === 'production' ? null : this.devMailbox;
  }
}
