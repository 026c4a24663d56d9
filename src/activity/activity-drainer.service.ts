import { CreateRequestContext, EntityManager } from '@mikro-orm/postgresql';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import '../comments/comment.events';
import { toCommentView } from '../comments/comment.view';
import { OnDomainEvent } from '../common/events/on-domain-event.decorator';
import '../moderation/moderation.events';
import { MailService } from '../mail/mail.service';
import type { NewNotification } from '../notifications/notifications.repository';
import { NotificationsService } from '../notifications/notifications.service';
import type { StoredNotification } from '../notifications/notification.view';
import type { WebhookEvent } from '../webhooks/webhook.entity';
import { type SiteEvent, WebhookDispatcher } from '../webhooks/webhook-dispatcher.service';
import { activityOf } from './activity';
import { type ActivityComment, ActivityRepository } from './activity.repository';

const BATCH = 100;
/** How often every instance looks at the outbox besides being woken by its own writes. */
const POLL_MS = 1_000;

/**
 * Drains the activity outbox on every instance: each batch of recorded changes becomes
 * notifications, their mail jobs and webhook deliveries (with their jobs) in one transaction
 * that also deletes the batch, so each change is acted on exactly once even when a process
 * dies halfway.
 * Instances share the work through `FOR UPDATE SKIP LOCKED`.
 */
@Injectable()
export class ActivityDrainer
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(ActivityDrainer.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly em: EntityManager,
    private readonly outbox: ActivityRepository,
    private readonly notifications: NotificationsService,
    private readonly webhooks: WebhookDispatcher,
    private readonly mail: MailService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.soon(), POLL_MS);
    this.timer.unref();
    this.soon();
  }

  /** No new drain; the HTTP server's close is not held up by the one running. */
  beforeApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Lets a running batch finish. Should the pool close under it, its transaction rolls back and
   * the batch stays in the outbox for the next start: nothing is lost either way.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.running;
  }

  @OnDomainEvent('comment.changed', 'instance')
  onCommentChanged(): void {
    this.soon();
  }

  @OnDomainEvent('report.created', 'instance')
  onReportCreated(): void {
    this.soon();
  }

  /** Drains now, or once more right after the drain that is running. */
  soon(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    if (!this.timer) return;
    this.running = this.drain().finally(() => {
      this.running = null;
    });
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.again = false;
        while ((await this.drainBatch()) === BATCH && this.timer);
      } while (this.again && this.timer);
    } catch (error) {
      this.logger.warn(`activity outbox: ${(error as Error).message}; retrying`);
    }
  }

  @CreateRequestContext()
  private async drainBatch(): Promise<number> {
    const { taken, stored, queued, mails } = await this.em.transactional(async (tx) => {
      const items = await this.outbox.take(BATCH);
      const comments = await this.outbox.comments([...new Set(items.map((i) => i.commentId))]);
      const notifications: NewNotification[] = [];
      const events: SiteEvent[] = [];
      for (const item of items) {
        const found = comments.get(item.commentId);
        if (!found) continue;
        const { comment } = found;
        const activity = activityOf(item.transition, {
          authorId: comment.author.id,
          parentAuthorId: found.parentAuthorId,
        });
        for (const { userId, type } of activity.notifications) {
          notifications.push({ userId, type, articleId: comment.articleId, commentId: comment.id });
        }
        if (found.siteId) {
          for (const type of activity.webhookEvents) {
            events.push({ siteId: found.siteId, type, data: webhookData(type, found) });
          }
        }
      }
      const stored: StoredNotification[] = await this.notifications.record(notifications);
      const queued = await this.webhooks.dispatch(tx, events);
      const mails = await this.mail.enqueueNotifications(tx, stored);
      await this.outbox.remove(items.map((item) => item.id));
      return { taken: items.length, stored, queued, mails };
    });
    this.notifications.announce(stored);
    if (queued > 0) this.webhooks.wake();
    if (mails > 0) this.mail.wake();
    return taken;
  }
}

/** A webhook's `data`: the article and the comment as stored now (tombstones without body). */
function webhookData(type: WebhookEvent, found: ActivityComment): Record<string, unknown> {
  const { comment } = found;
  const gone = type === 'comment.removed';
  return {
    siteId: found.siteId,
    articleId: comment.articleId,
    externalId: found.externalId,
    comment: toCommentView(comment, !gone),
    ...(type === 'report.created' ? { reportCount: found.openReports } : {}),
  };
}
