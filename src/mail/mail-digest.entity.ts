import { randomUUID } from 'node:crypto';
import { Entity, ManyToOne, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { User } from '../users/user.entity';

export const DIGEST_KINDS = ['immediate', 'daily'] as const;
export type DigestKind = (typeof DIGEST_KINDS)[number];

/**
 * One notification mail: the notifications it carries point at it (`notifications.mail_digest_id`),
 * so a retried send builds the same mail, with the same Message-ID, from the same notifications.
 * `immediate`: what one user was notified of within the batch window; `daily`: the user's unread
 * notifications not mailed yet, once per UTC day (`period`, unique per user).
 */
@Entity({ tableName: 'mail_digests' })
@Unique({ properties: ['user', 'kind', 'period'] })
export class MailDigest {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @Property({ type: 'string', length: 16 })
  kind!: DigestKind;

  /** The UTC day (`YYYY-MM-DD`) of a daily digest; null for immediate mails. */
  @Property({ type: 'string', length: 16, nullable: true })
  period: Opt<string> | null = null;

  @Property({ type: 'datetime', defaultRaw: 'clock_timestamp()' })
  createdAt: Opt<Date> = new Date();

  /** Set once the SMTP server accepted it (or it was dropped: nothing left to tell, mails off). */
  @Property({ type: 'datetime', nullable: true })
  sentAt: Opt<Date> | null = null;

  /** A worker sending it holds it until then, so two never send it at once. */
  @Property({ type: 'datetime', nullable: true })
  leaseUntil: Opt<Date> | null = null;
}
