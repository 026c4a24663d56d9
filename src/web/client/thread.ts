import type { CommentPayload, VoteCounts } from '../../realtime/contract';
import type { CommentSort } from './api';
import { CommentActions } from './comment-actions';
import { CommentVotes } from './comment-votes';
import { commentElement, replaceCard } from './comment-dom';
import { type PageContext, isModerator } from './context';
import { catalogue } from '../i18n';
import { find, findAll } from './dom';
import { type LoadedComment, loadThread } from './thread-loader';

/**
 * The comment thread on the page. New comments from others wait in a buffer behind the
 * "N new comments" button, so what the reader is reading never moves by itself; changes to
 * comments already shown (edits, removals) apply at once.
 */
export class Thread {
  private readonly list: HTMLOListElement;
  private readonly newButton: HTMLButtonElement;
  private readonly empty: HTMLElement;
  private readonly buffer = new Map<string, CommentPayload>();
  private readonly actions: CommentActions;
  private readonly votes: CommentVotes;
  /** The order of top-level comments (the sort buttons). */
  sort: CommentSort = 'newest';

  constructor(
    private readonly ctx: PageContext,
    section: ParentNode,
  ) {
    this.list = find<HTMLOListElement>('[data-thread]', section);
    this.newButton = find<HTMLButtonElement>('[data-new-comments]', section);
    this.empty = find('[data-no-comments]', section);
    this.newButton.addEventListener('click', () => this.showBuffered());
    this.actions = new CommentActions(ctx, this.list, this);
    this.votes = new CommentVotes(ctx, this.list);
  }

  item(id: string): HTMLLIElement | null {
    return this.list.querySelector<HTMLLIElement>(
      `li.comment[data-comment-id="${CSS.escape(id)}"]`,
    );
  }

  /** Another reader's new comment: buffered until the reader asks to see it. */
  buffered(comment: CommentPayload): void {
    const shown = this.item(comment.id);
    // the author's own held comment, now approved
    if (shown && shown.dataset.status !== comment.status) this.updated(comment);
    if (shown) return;
    this.buffer.set(comment.id, comment);
    this.updateNewButton();
  }

  /** One's own new comment, or the buffered ones when asked for: into the thread now. */
  insert(comment: CommentPayload): HTMLLIElement | null {
    this.buffer.delete(comment.id);
    const existing = this.item(comment.id);
    if (existing) return existing;
    const element = commentElement(comment);
    if (comment.parentId) {
      const parent = this.item(comment.parentId);
      // a reply to a comment that is not on this page has nowhere to go
      if (!parent) return null;
      find(':scope > .replies', parent).append(element);
    } else {
      this.list.prepend(element);
    }
    this.renderActions(element);
    this.empty.hidden = true;
    this.updateNewButton();
    return element;
  }

  /** Edited or restored. */
  updated(comment: CommentPayload): void {
    const element = this.item(comment.id);
    if (element) {
      replaceCard(element, comment);
      this.renderActions(element);
    } else if (this.buffer.has(comment.id) || comment.status === 'visible') {
      this.buffered(comment);
    }
  }

  /** Removed by a moderator or deleted by its author: gone from the buffer and the thread. */
  removed(id: string, status: 'removed' | 'deleted'): void {
    if (this.buffer.delete(id)) this.updateNewButton();
    const element = this.item(id);
    if (!element) return;
    if (isModerator(this.ctx.user)) this.markHidden(element, status);
    else this.dropOrTombstone(element, status);
    this.empty.hidden = this.list.children.length > 0;
  }

  /** The status of every comment shown, as the server last said. */
  statuses(): [string, CommentPayload['status']][] {
    return findAll<HTMLLIElement>('li.comment', this.list).map((item) => [
      item.dataset.commentId!,
      item.dataset.status as CommentPayload['status'],
    ]);
  }

  /** Rebuilds the thread from the REST API (sign-in as a moderator, or after a resync). */
  async reload(): Promise<void> {
    const page = await loadThread(this.ctx.api, this.ctx.articleId, {
      originals: isModerator(this.ctx.user),
      sort: this.sort,
    });
    this.buffer.clear();
    this.list.replaceChildren(...page.items.map((item) => this.build(item)));
    this.empty.hidden = page.items.length > 0;
    this.updateNewButton();
    this.setLoadMore(page.nextCursor);
  }

  /** Shows the thread in another order (the sort buttons). */
  async setSort(sort: CommentSort): Promise<void> {
    const before = this.sort;
    this.sort = sort;
    try {
      await this.reload();
    } catch (error) {
      this.sort = before;
      throw error;
    }
  }

  /** Appends the next page of older comments ("More comments"). */
  async loadMore(cursor: string): Promise<string | null> {
    const page = await loadThread(this.ctx.api, this.ctx.articleId, {
      cursor,
      originals: isModerator(this.ctx.user),
      sort: this.sort,
    });
    for (const item of page.items)
      if (!this.item(item.comment.id)) this.list.append(this.build(item));
    return page.nextCursor;
  }

  renderAllActions(): void {
    findAll<HTMLLIElement>('li.comment', this.list).forEach((item) => this.renderActions(item));
  }

  renderActions(item: HTMLElement): void {
    this.actions.render(item);
    this.votes.render(item);
  }

  /** A comment's new score (live). */
  score(id: string, score: VoteCounts): void {
    const item = this.item(id);
    if (item) this.votes.setScore(item, score);
  }

  private build(loaded: LoadedComment): HTMLLIElement {
    const element = commentElement(loaded.comment);
    find(':scope > .replies', element).append(...loaded.replies.map((reply) => this.build(reply)));
    this.renderActions(element);
    return element;
  }

  private showBuffered(): void {
    const waiting = [...this.buffer.values()];
    this.buffer.clear();
    const inserted = waiting.map((comment) => this.insert(comment)).filter((e) => e !== null);
    this.updateNewButton();
    const first = inserted.find((element) => !element.dataset.parentId) ?? inserted[0];
    if (first) {
      const card = find(':scope > .comment__card', first);
      card.tabIndex = -1;
      card.focus({ preventScroll: true });
      first.scrollIntoView({ block: 'nearest' });
    }
  }

  private updateNewButton(): void {
    const waiting = this.buffer.size;
    this.newButton.hidden = waiting === 0;
    this.newButton.textContent =
      waiting > 0 ? catalogue(document.documentElement.lang).newComments(waiting) : '';
  }

  private markHidden(element: HTMLElement, status: 'removed' | 'deleted'): void {
    element.dataset.status = status;
    const card = element.querySelector(':scope > .comment__card');
    card?.classList.add('comment__card--hidden');
    this.renderActions(element);
  }

  private dropOrTombstone(element: HTMLElement, status: 'removed' | 'deleted'): void {
    const hasReplies = element.querySelector(':scope > .replies > li') !== null;
    if (hasReplies) {
      replaceCard(element, {
        id: element.dataset.commentId!,
        articleId: this.ctx.articleId,
        parentId: element.dataset.parentId || null,
        author: null,
        body: null,
        status,
        replyCount: 0,
        createdAt: new Date().toISOString(),
        editedAt: null,
        featured: false,
        score: { up: 0, down: 0 },
      });
      this.renderActions(element);
      return;
    }
    const parent = element.parentElement?.closest<HTMLElement>('li.comment');
    element.remove();
    // a tombstone left without replies has nothing more to hold in place
    if (parent && parent.dataset.status !== 'visible') {
      this.dropOrTombstone(parent, parent.dataset.status as 'removed' | 'deleted');
    }
  }

  private setLoadMore(cursor: string | null): void {
    const link = this.list.parentElement?.querySelector<HTMLAnchorElement>('[data-load-more]');
    if (!link) return;
    link.hidden = cursor === null;
    link.dataset.cursor = cursor ?? '';
    link.href = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '#comments-heading';
  }
}
