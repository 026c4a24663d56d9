import type { ReportCreatedEvent } from '../../realtime/contract';
import type { QueueItem } from './api';
import { messageOf } from './comment-actions';
import type { PageContext } from './context';
import { find, h } from './dom';
import { showUserHistory } from './user-history';
import { catalogue } from '../i18n';

/** This page's words for moderators' tools (its `<html lang>`). */
const words = () => catalogue(document.documentElement.lang).moderation;

/** Moderators' panel: reported, still visible comments, most reported first, kept live. */
export class ModerationQueue {
  private readonly items = new Map<string, QueueItem>();
  private readonly list: HTMLOListElement;
  private readonly empty: HTMLElement;

  constructor(
    private readonly ctx: PageContext,
    private readonly panel: HTMLElement,
    private readonly onRemoved: (comment: QueueItem['comment']) => void,
  ) {
    this.list = find<HTMLOListElement>('[data-mod-queue-list]', panel);
    this.empty = find('[data-mod-queue-empty]', panel);
    this.list.addEventListener('click', (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>('button[data-remove]');
      if (button) void this.remove(button.dataset.remove!);
      const history = (event.target as Element).closest<HTMLButtonElement>('button[data-history]');
      const author = history ? this.items.get(history.dataset.history!)?.comment.author : null;
      if (author) void showUserHistory(this.ctx, author.id, author.username);
    });
  }

  async show(): Promise<void> {
    this.panel.hidden = false;
    const page = await this.ctx.api.queue();
    this.items.clear();
    for (const item of page.items) this.items.set(item.comment.id, item);
    this.render();
  }

  hide(): void {
    this.panel.hidden = true;
    this.items.clear();
  }

  reported(event: ReportCreatedEvent): void {
    const known = this.items.get(event.comment.id);
    this.items.set(event.comment.id, {
      comment: event.comment,
      reportCount: event.reportCount,
      reasons: known?.reasons ?? [],
    });
    this.render();
  }

  /** Removed or deleted (here or by another moderator): no longer waiting. */
  gone(commentId: string): void {
    if (this.items.delete(commentId)) this.render();
  }

  private async remove(commentId: string): Promise<void> {
    const reason = window.prompt(words().removePrompt)?.trim();
    if (!reason) return;
    try {
      const comment = await this.ctx.api.remove(commentId, reason);
      this.gone(commentId);
      if (comment.articleId === this.ctx.articleId) this.onRemoved(comment);
      this.ctx.announce(words().removed);
    } catch (error) {
      this.ctx.announce(messageOf(error));
    }
  }

  private render(): void {
    const sorted = [...this.items.values()].sort((a, b) => b.reportCount - a.reportCount);
    const w = words();
    this.empty.hidden = sorted.length > 0;
    this.list.replaceChildren(
      ...sorted.map(({ comment, reportCount, reasons }) => {
        const here = comment.articleId === this.ctx.articleId;
        return h(
          'li',
          { class: 'mod-item', 'data-queue-comment': comment.id },
          h(
            'p',
            { class: 'mod-item__meta' },
            h('strong', {}, w.reports(reportCount)),
            ` · ${comment.author ? `@${comment.author.username}` : w.unknownAuthor}`,
            here ? ' · ' : null,
            here ? h('a', { href: `#comment-${comment.id}` }, w.showInThread) : null,
          ),
          h('p', { class: 'mod-item__body' }, comment.body ?? ''),
          reasons.length > 0 ? h('p', { class: 'muted' }, w.reasons(reasons.join('; '))) : null,
          h(
            'button',
            { type: 'button', class: 'link-button', 'data-remove': comment.id },
            w.remove,
          ),
          comment.author
            ? h(
                'button',
                { type: 'button', class: 'link-button', 'data-history': comment.id },
                w.history,
              )
            : null,
        );
      }),
    );
  }
}
