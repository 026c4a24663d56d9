import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { Article } from '../articles/article.entity';
import { Comment } from '../comments/comment.entity';
import { User } from '../users/user.entity';

export const NOTIFICATION_TYPES = [
  'reply',
  'comment.approved',
  'comment.rejected',
  'comment.removed',
  'comment.featured',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** A user's in-app notification; written by ActivityDrainer, read by its user only. */
@Entity({ tableName: 'notifications' })
@Index({ properties: ['user', 'createdAt', 'id'] })
@Index({
  name: 'notifications_unread_index',
  expression:
    'create index "notifications_unread_index" on "notifications" ("user_id", "created_at", "id") where "read_at" is null',
})
export class Notification {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @Property({ type: 'string', length: 32 })
  type!: NotificationType;

  @ManyToOne(() => Article, { deleteRule: 'cascade' })
  article!: Article;

  /** The reply for `reply`, else the user's own comment. */
  @ManyToOne(() => Comment, { deleteRule: 'cascade' })
  @Index()
  comment!: Comment;

  @Property({ type: 'datetime', defaultRaw: 'clock_timestamp()' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', nullable: true })
  readAt: Opt<Date> | null = null;

  /** `immediate` when its user wanted it mailed at once when it was made (see MailDigests). */
  @Property({ type: 'string', length: 16, nullable: true })
  mailVia: Opt<string> | null = null;

  /** The mail (`mail_digests`) that carries it, once one does. */
  @Property({ type: 'uuid', nullable: true })
  @Index()
  mailDigestId: Opt<string> | null = null;
}
