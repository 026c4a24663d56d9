import type { CommentPayload } from '../../realtime/contract';
import { ApiError } from './api';
import { formatDate } from './comment-dom';
import type { PageContext } from './context';
import { find, h } from './dom';
import { catalogue } from '../i18n';

/** This page's words (its `<html lang>`): the comments' and the moderators' tools'. */
const pageWords = () => catalogue(document.documentElement.lang);

/** A status as its badge says it, in the page's language. */
function statusLabel(status: CommentPayload['status']): string {
  const t = pageWords();
  return status === 'visible' ? t.moderation.visible : t.thread.status[status];
}

let dialog: HTMLDialogElement | null = null;

/**
 * Moderators: every comment of one user, any status, newest first (GET /api/users/:id/comments),
 * in a modal dialog (Escape or the Close button closes it; focus returns where it was).
 */
export async function showUserHistory(
  ctx: PageContext,
  userId: string,
  username: string,
): Promise<void> {
  const box = (dialog ??= createDialog());
  find('[data-history-title]', box).textContent = pageWords().moderation.historyOf(username);
  const list = find<HTMLOListElement>('[data-history-list]', box);
  const more = find<HTMLButtonElement>('[data-history-more]', box);
  const status = find('[data-history-status]', box);
  list.replaceChildren();
  status.textContent = pageWords().moderation.loading;
  more.hidden = true;
  box.dataset.userId = userId;
  if (!box.open) box.showModal();

  const load = async (cursor?: string): Promise<void> => {
    try {
      const page = await ctx.api.userComments(userId, cursor);
      if (box.dataset.userId !== userId) return; // another user's history was opened meanwhile
      list.append(...page.items.map((comment) => historyItem(comment, ctx.articleId)));
      status.textContent = list.children.length === 0 ? pageWords().moderation.noUserComments : '';
      more.hidden = page.nextCursor === null;
      more.onclick = () => void load(page.nextCursor ?? undefined);
    } catch (error) {
      status.textContent =
        error instanceof ApiError ? error.message : pageWords().moderation.historyFailed;
    }
  };
  await load();
}

function createDialog(): HTMLDialogElement {
  const words = pageWords().moderation;
  const box = h(
    'dialog',
    { class: 'panel history', 'aria-labelledby': 'history-title', 'data-history': true },
    h(
      'div',
      { class: 'history__head' },
      h('h2', { id: 'history-title', 'data-history-title': true }),
      h(
        'button',
        { type: 'button', class: 'button button--quiet', 'data-history-close': true },
        words.close,
      ),
    ),
    h('p', { class: 'muted', role: 'status', 'data-history-status': true }),
    h('ol', { class: 'history__list', 'data-history-list': true }),
    h(
      'button',
      { type: 'button', class: 'button button--quiet', 'data-history-more': true, hidden: true },
      words.moreHistory,
    ),
  );
  find('[data-history-close]', box).addEventListener('click', () => box.close());
  // a click on the backdrop (outside the box) or on a link to the thread closes it too
  box.addEventListener('click', (event) => {
    if (event.target === box || (event.target as Element).closest('a')) box.close();
  });
  document.body.append(box);
  return box;
}

function historyItem(comment: CommentPayload, articleId: string): HTMLLIElement {
  const here = comment.articleId === articleId;
  const t = pageWords();
  return h(
    'li',
    { class: 'history__item', 'data-history-comment': comment.id, 'data-status': comment.status },
    h(
      'p',
      { class: 'mod-item__meta' },
      h(
        'span',
        { class: 'badge', 'data-status-badge': comment.status },
        statusLabel(comment.status),
      ),
      ' ',
      h('time', { datetime: comment.createdAt }, formatDate(comment.createdAt)),
      comment.featured ? ' · ' : null,
      comment.featured ? h('span', { class: 'badge badge--featured' }, t.thread.featured) : null,
      ' · ',
      here && comment.status === 'visible'
        ? h('a', { href: `#comment-${comment.id}` }, t.moderation.inThisThread)
        : h('span', {}, here ? t.moderation.thisArticle : t.moderation.anotherArticle),
    ),
    h('p', { class: 'mod-item__body' }, comment.body ?? ''),
  );
}
