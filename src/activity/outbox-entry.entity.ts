import { Entity, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One change of a comment (or a new report) as the database saw it, written by the triggers of
 * `comments` and `comment_reports` in the transaction of the change itself (see the migration),
 * so no code path that changes comments can forget it and a crash after COMMIT loses nothing.
 * ActivityDrainer turns each row into notifications and webhook deliveries, then deletes it.
 */
@Entity({ tableName: 'activity_outbox' })
export class OutboxEntry {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  /** `comment` (insert or update of a comment) or `report` (a new report). */
  @Property({ type: 'string', length: 16 })
  source!: string;

  @Property({ type: 'uuid' })
  @Index()
  commentId!: string;

  /** `{status, featured, body}` before the change: null for an insert. */
  @Property({ type: 'json', nullable: true })
  before!: Opt<Record<string, unknown>> | null;

  /** `{status, featured, body}` after it; for a report `{reportId}`. */
  @Property({ type: 'json' })
  after!: Record<string, unknown>;

  @Property({ type: 'datetime', defaultRaw: 'clock_timestamp()' })
  createdAt: Opt<Date> = new Date();
}
