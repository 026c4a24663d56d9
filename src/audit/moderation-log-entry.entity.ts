import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';

export const MODERATION_ACTIONS = [
  'comment.remove',
  'comment.restore',
  'comment.approve',
  'comment.reject',
  'comment.feature',
  'comment.unfeature',
  'user.ban',
  'user.unban',
  'user.role',
] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];
export type ModerationTargetType = 'comment' | 'user';

/**
 * One moderation decision. Written in the same transaction as the change it records, so
 * the log can never disagree with the data. Ids are kept as plain columns: the log outlives
 * what it talks about.
 */
@Entity({ tableName: 'moderation_log' })
@Index({ properties: ['createdAt', 'id'] })
export class ModerationLogEntry {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => MODERATION_ACTIONS, type: 'string', length: 32 })
  action: ModerationAction;

  @Property({ type: 'uuid' })
  moderatorId: string;

  @Property({ type: 'string', length: 16 })
  targetType: ModerationTargetType;

  @Property({ type: 'uuid' })
  targetId: string;

  @Property({ type: 'text', nullable: true })
  reason: string | null;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  constructor(entry: {
    action: ModerationAction;
    moderatorId: string;
    targetType: ModerationTargetType;
    targetId: string;
    reason?: string | null;
  }) {
    this.action = entry.action;
    this.moderatorId = entry.moderatorId;
    this.targetType = entry.targetType;
    this.targetId = entry.targetId;
    this.reason = entry.reason ?? null;
  }
}
