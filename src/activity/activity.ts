import type { NotificationType } from '../notifications/notification.entity';
import type { WebhookEvent } from '../webhooks/webhook.entity';

/** A comment's state as the outbox triggers record it. */
export interface CommentState {
  status: string;
  featured: boolean;
  /** On updates: the body changed. */
  edited?: boolean;
}

/** An outbox row: a comment inserted (`before` null) or changed, or a report of it. */
export type Transition =
  { source: 'comment'; before: CommentState | null; after: CommentState } | { source: 'report' };

export interface Involved {
  authorId: string;
  /** The author of the comment replied to, when it is a reply. */
  parentAuthorId: string | null;
}

export interface Activity {
  notifications: { userId: string; type: NotificationType }[];
  webhookEvents: WebhookEvent[];
}

/**
 * What one recorded change means for people and for publishers' systems (API.md
 * "Notifications and e-mail", "Webhooks"). A reply notifies when it becomes visible (posted
 * visible, or approved), never its own author; the author hears of approval, rejection,
 * removal and featuring by a moderator (a rejection by the banned-word filter at posting is
 * answered to the author at once and notifies nobody; an author's own delete neither).
 */
export function activityOf(transition: Transition, who: Involved): Activity {
  const activity: Activity = { notifications: [], webhookEvents: [] };
  if (transition.source === 'report') {
    activity.webhookEvents.push('report.created');
    return activity;
  }
  const { before, after } = transition;
  const notify = (userId: string | null, type: NotificationType): void => {
    if (userId) activity.notifications.push({ userId, type });
  };
  const becameVisible = after.status === 'visible' && before?.status !== 'visible';
  const reply = (): void => {
    if (who.parentAuthorId !== who.authorId) notify(who.parentAuthorId, 'reply');
  };

  if (before === null) {
    if (after.status === 'visible') {
      activity.webhookEvents.push('comment.created');
      reply();
    } else if (after.status === 'pending') {
      activity.webhookEvents.push('comment.pending');
    } else if (after.status === 'rejected') {
      activity.webhookEvents.push('comment.rejected');
    }
    return activity;
  }

  if (before.status === 'pending' && after.status === 'visible') {
    activity.webhookEvents.push('comment.approved', 'comment.created');
    notify(who.authorId, 'comment.approved');
    reply();
  } else if (after.status === 'rejected' && before.status !== 'rejected') {
    activity.webhookEvents.push('comment.rejected');
    notify(who.authorId, 'comment.rejected');
  } else if (after.status === 'removed' && before.status === 'visible') {
    activity.webhookEvents.push('comment.removed');
    notify(who.authorId, 'comment.removed');
  } else if (after.status === 'deleted' && before.status === 'visible') {
    activity.webhookEvents.push('comment.removed');
  } else if (becameVisible) {
    // restored by a moderator
    activity.webhookEvents.push('comment.updated');
  } else if (after.status === 'visible') {
    const featuredNow = after.featured && !before.featured;
    if (featuredNow) notify(who.authorId, 'comment.featured');
    if (after.edited || after.featured !== before.featured) {
      activity.webhookEvents.push('comment.updated');
    }
  }
  return activity;
}
