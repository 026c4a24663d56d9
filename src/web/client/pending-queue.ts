import type { CommentPayload, CommentPendingEvent } from '../../realtime/contract';
import { ApiError } from './api';
import { messageOf } from './comment-actions';
import { formatDate } from './comment-dom';
import type { PageContext } from './context';
import { h } from './dom';
import { showUserHistory } from './user-history';
import { catalogue } from '../i18n';

/** This page's words for moderators' tools (its `<html lang>`). */
const words = () => catalogue(document.documentElement.lang).moderation;

/** What a decision changes elsewhere on the page. */
export interface PendingDecisions {
  /** Approved (and maybe featured): the comment as it now is. */
  approved(comment: CommentPayload): void;
}

/**
 * Moderators' panel beside the reports queue: comments held for moderation (every article,
 * oldest first), kept live by `comment.pending`; approve, reject with a reason, or approve
 * and feature; each author's history one click away.
 */
export class PendingQueue {
  private readonly items = new Map<string, CommentPayload>();
  private readonly panel: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly empty: HTMLElement;
  private readonly heading: HTMLElement;

  constructor(
    private readonly ctx: PageContext,
    reportsPanel: HTMLElement,
    private readonly decisions: PendingDecisions,
  ) {
    this.heading = h('h2', { id: 'pending-queue-heading' }, words().pendingHeading(0));
    this.empty = h('p', { class: 'muted', 'data-pending-empty': true }, words().noneHeld);
    this.list = h('ol', { class: 'mod-queue__list', 'data-pending-list': true });
    this.panel = h(
      'aside',
      {
        class: 'panel mod-queue mod-queue--pending',
        'data-pending-queue': true,
        'aria-labelledby': 'pending-queue-heading',
        hidden: true,
      },
      this.heading,
      this.empty,
      this.list,
    );
    // the two queues side by side where there is room
    const pair = h('div', { class: 'mod-panels' });
    reportsPanel.replaceWith(pair);
    pair.append(reportsPanel, this.panel);
    this.list.addEventListener('click', (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>('button[data-pending]');
      const item = button?.closest<HTMLLIElement>('li[data-pending-comment]');
      if (button && item) void this.run(button.dataset.pending!, item.dataset.pendingComment!);
    });
  }

  async show(): Promise<void> {
    // comments held while the page loads arrive live meanwhile: kept
    this.items.clear();
    this.panel.hidden = false;
    const page = await this.ctx.api.queue('pending');
    for (const item of page.items) this.items.set(item.comment.id, item.comment);
    this.render();
  }

  hide(): void {
    this.panel.hidden = true;
    this.items.clear();
  }

  /** Live: a comment was just held. */
  pending(event: CommentPendingEvent): void {
    if (this.panel.hidden) return;
    this.items.set(event.comment.id, event.comment);
    this.render();
  }

  /** Published (approved here or by another moderator) or decided: no longer waiting. */
  gone(commentId: string): void {
    if (this.items.delete(commentId)) this.render();
  }

  private async run(action: string, id: string): Promise<void> {
    const comment = this.items.get(id);
    if (!comment) return;
    if (action === 'history') {
      if (comment.author)
        await showUserHistory(this.ctx, comment.author.id, comment.author.username);
      return;
    }
    const buttons = [
      ...this.list.querySelectorAll<HTMLButtonElement>(
        `li[data-pending-comment="${CSS.escape(id)}"] button`,
      ),
    ];
    try {
      if (action === 'reject') {
        const reason = window.prompt(words().rejectPrompt)?.trim();
        if (!reason) return;
        buttons.forEach((button) => (button.disabled = true));
        await this.ctx.api.reject(id, reason);
        this.gone(id);
        return this.ctx.announce(words().rejected);
      }
      buttons.forEach((button) => (button.disabled = true));
      let published = await this.ctx.api.approve(id);
      if (action === 'feature') published = await this.ctx.api.feature(id, true);
      this.gone(id);
      this.decisions.approved(published);
      this.ctx.announce(action === 'feature' ? words().approvedAndFeatured : words().approved);
    } catch (error) {
      // decided elsewhere meanwhile (another moderator): it is not waiting any more
      if (error instanceof ApiError && (error.status === 409 || error.status === 404))
        this.gone(id);
      else buttons.forEach((button) => (button.disabled = false));
      this.ctx.announce(messageOf(error));
    }
  }

  private render(): void {
    const sorted = [...this.items.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    const w = words();
    this.empty.hidden = sorted.length > 0;
    this.heading.textContent = w.pendingHeading(sorted.length);
    this.list.replaceChildren(
      ...sorted.map((comment) =>
        h(
          'li',
          { class: 'mod-item', 'data-pending-comment': comment.id },
          h(
            'p',
            { class: 'mod-item__meta' },
            h('strong', {}, comment.author ? `@${comment.author.username}` : w.unknownAuthor),
            ' · ',
            h('time', { datetime: comment.createdAt }, formatDate(comment.createdAt)),
            comment.articleId === this.ctx.articleId ? null : ` · ${w.anotherArticle}`,
            comment.parentId ? ` · ${w.aReply}` : null,
          ),
          h('p', { class: 'mod-item__body' }, comment.body ?? ''),
          h(
            'div',
            { class: 'mod-item__actions' },
            button('approve', w.approve, 'button'),
            button('reject', w.reject, 'button button--danger'),
            button('feature', w.approveAndFeature, 'button button--quiet'),
            comment.author ? button('history', w.history, 'link-button') : null,
          ),
        ),
      ),
    );
  }
}

function button(action: string, label: string, style: string): HTMLButtonElement {
  return h('button', { type: 'button', class: style, 'data-pending': action }, label);
}
