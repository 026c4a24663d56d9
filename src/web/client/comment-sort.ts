import type { CommentSort } from './api';
import { messageOf } from './comment-actions';
import type { PageContext } from './context';
import { h } from './dom';
import { catalogue } from '../i18n';

/** This page's words for comments (its `<html lang>`). */
const words = () => catalogue(document.documentElement.lang).thread;

const CHOICES: { sort: CommentSort; label: () => string }[] = [
  { sort: 'newest', label: () => words().newest },
  { sort: 'top', label: () => words().top },
];

/**
 * The sort buttons above the thread (Newest · Top), a group of toggle buttons: the pressed one
 * is the order shown. Choosing one reloads the thread in that order (featured ones first).
 */
export function sortControl(
  ctx: PageContext,
  head: HTMLElement,
  reload: (sort: CommentSort) => Promise<void>,
): void {
  const buttons = CHOICES.map(({ sort, label }) =>
    h(
      'button',
      {
        type: 'button',
        class: 'sort__choice',
        'data-sort': sort,
        'aria-pressed': String(sort === 'newest'),
      },
      label(),
    ),
  );
  const group = h(
    'div',
    {
      class: 'sort',
      role: 'group',
      'aria-label': words().sortComments,
      'data-sort-control': true,
    },
    h('span', { class: 'sort__label', 'aria-hidden': 'true' }, words().sortBy),
    ...buttons,
  );
  head.append(group);
  group.addEventListener('click', (event) => {
    const chosen = (event.target as Element).closest<HTMLButtonElement>('button[data-sort]');
    if (!chosen || chosen.getAttribute('aria-pressed') === 'true') return;
    const sort = chosen.dataset.sort as CommentSort;
    buttons.forEach((button) => (button.disabled = true));
    reload(sort)
      .then(() => {
        for (const button of buttons) {
          button.setAttribute('aria-pressed', String(button === chosen));
        }
        ctx.announce(sort === 'top' ? words().sortedTop : words().sortedNewest);
      })
      .catch((error: unknown) => ctx.announce(messageOf(error)))
      .finally(() => buttons.forEach((button) => (button.disabled = false)));
  });
}
