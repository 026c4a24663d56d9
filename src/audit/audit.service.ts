import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import {
  type ModerationAction,
  ModerationLogEntry,
  type ModerationTargetType,
} from './moderation-log-entry.entity';

/**
 * The one writer of the moderation log. Call it inside the transaction of the change it
 * records: the entry is flushed with that transaction's COMMIT, so the log never disagrees
 * with the data.
 */
@Injectable()
export class AuditService {
  constructor(private readonly em: EntityManager) {}

  record(
    action: ModerationAction,
    moderatorId: string,
    target: { type: ModerationTargetType; id: string },
    reason: string | null = null,
  ): void {
    // the injected EntityManager resolves to the open transaction's context
    this.em.persist(
      new ModerationLogEntry({
        action,
        moderatorId,
        targetType: target.type,
        targetId: target.id,
        reason,
      }),
    );
  }
}
