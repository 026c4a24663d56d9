import type { CommentPayload } from '../../realtime/contract';
import { ApiError } from './api';
import { formatDate } from './comment-dom';
import type { PageContext } from './context';
import { find, h } from './dom';

const STATUS: Record<CommentPayload['status'], string> = {
  visible: 'Visible',
  removed: 'Removed',
  deleted: 'Deleted',
  pending: 'Awaiting moderation',
  rejected: 'Rejected',
};

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
  find('[data-history-title]', box).textContent = `Comment history of @${username}`;
  const list = find<HTMLOListElement>('[data-history-list]', box);
  const more = find<HTMLButtonElement>('[data-history-more]', box);
  const status = find('[data-history-status]', box);
  list.replaceChildren();
  status.textContent = 'Loading…';
  more.hidden = true;
  box.dataset.userId = userId;
  if (!box.open) box.showModal();

  const load = async (cursor?: string): Promise<void> => {
    try {
      const page = await ctx.api.userComments(userId, cursor);
      if (box.dataset.userId !== userId) return; // another user's history was opened meanwhile
      list.append(...page.items.map((comment) => historyItem(comment, ctx.articleId)));
      status.textContent = list.children.length === 0 ? 'No comments.' : '';
      more.hidden = page.nextCursor === null;
      more.onclick = () => void load(page.nextCursor ?? undefined);
    } catch (error) {
      status.textContent =
        error instanceof ApiError ? error.message : 'The history could not be loaded.';
    }
  };
  await load();
}

function createDialog(): HTMLDialogElement {
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
        'Close',
      ),
    ),
    h('p', { class: 'muted', role: 'status', 'data-history-status': true }),
    h('ol', { class: 'history__list', 'data-history-list': true }),
    h(
      'button',
      { type: 'button', class: 'button button--quiet', 'data-history-more': true, hidden: true },
      'More',
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
  return h(
    'li',
    { class: 'history__item', 'data-history-comment': comment.id, 'data-status': comment.status },
    h(
      'p',
      { class: 'mod-item__meta' },
      h('span', { class: 'badge', 'data-status-badge': comment.status }, STATUS[comment.status]),
      ' ',
      h('time', { datetime: comment.createdAt }, formatDate(comment.createdAt)),
      comment.featured ? ' · ' : null,
      comment.featured ? h('span', { class: 'badge badge--featured' }, "Editors' pick") : null,
      ' · ',
      here && comment.status === 'visible'
        ? h('a', { href: `#comment-${comment.id}` }, 'in this thread')
        : h('span', {}, here ? 'this article' : 'another article'),
    ),
    h('p', { class: 'mod-item__body' }, comment.body ?? ''),
  );
}
