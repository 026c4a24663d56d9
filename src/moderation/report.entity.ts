import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Comment } from '../comments/comment.entity';
import { User } from '../users/user.entity';

/** A reader's report of a comment: one per user and comment. */
@Entity({ tableName: 'comment_reports' })
@Unique({ properties: ['comment', 'reporter'] })
export class Report {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Comment, { deleteRule: 'cascade' })
  comment: Comment;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  @Index()
  reporter: User;

  @Property({ type: 'text' })
  reason: string;

  /** Set when a moderator removes or restores the comment: the report has been dealt with. */
  @Property({ type: 'datetime', nullable: true })
  resolvedAt: Opt<Date> | null = null;

  @Property({ type: 'datetime', defaultRaw: 'clock_timestamp()' })
  createdAt: Opt<Date> = new Date();

  constructor(comment: Comment, reporter: User, reason: string) {
    this.comment = comment;
    this.reporter = reporter;
    this.reason = reason;
  }
}
