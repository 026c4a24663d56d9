import type { CommentPayload } from '../../realtime/contract';
import type { ReaderComment } from './api';
import { dateFormatter } from '../views/format';
import { h } from './dom';
import { catalogue } from '../i18n';

/** This page's words for comments (its `<html lang>`). */
const words = () => catalogue(document.documentElement.lang).thread;

/**
 * The markup of one comment, as src/web/views/comment.view.ts renders it on the server:
 * keep the two in step.
 */
export function commentElement(comment: ReaderComment): HTMLLIElement {
  const item = h('li', { class: 'comment', id: `comment-${comment.id}` });
  item.append(commentCard(comment), h('ol', { class: 'replies' }));
  updateCommentData(item, comment);
  return item;
}

/** Replaces the card (after an edit, a restore, a removal) and keeps the replies. */
export function replaceCard(item: HTMLElement, comment: ReaderComment): void {
  item.querySelector(':scope > .comment__card')?.replaceWith(commentCard(comment));
  updateCommentData(item, comment);
}

function updateCommentData(item: HTMLElement, comment: ReaderComment): void {
  item.dataset.commentId = comment.id;
  item.dataset.parentId = comment.parentId ?? '';
  item.dataset.authorId = comment.author?.id ?? '';
  item.dataset.status = comment.status;
  // live events carry no myVote: the reader's vote stays what the last read said
  if (comment.myVote !== undefined) item.dataset.myVote = comment.myVote ?? '';
}

export function tombstoneText(status: CommentPayload['status']): string {
  return status === 'removed' ? words().removedByModerator : words().deletedByAuthor;
}

function commentCard(comment: CommentPayload): HTMLElement {
  const actions = h('div', { class: 'comment__actions', 'data-actions': true });
  if (!comment.author || comment.body === null) {
    const text = tombstoneText(comment.status);
    return h(
      'article',
      { class: 'comment__card comment__card--tombstone', 'aria-label': text },
      h('p', { class: 'comment__body' }, text),
      actions,
    );
  }
  // moderators see removed and deleted comments as written, marked; authors their held ones
  const badge =
    comment.status === 'visible'
      ? null
      : h(
          'span',
          { class: 'badge', 'data-status-badge': comment.status },
          words().status[comment.status],
        );
  const featured = comment.featured
    ? h('span', { class: 'badge badge--featured', 'data-featured': true }, words().featured)
    : null;
  return h(
    'article',
    {
      class: `comment__card${comment.status === 'visible' ? '' : ' comment__card--hidden'}`,
      'aria-label': words().by(comment.author.displayName),
    },
    h(
      'p',
      { class: 'comment__meta' },
      h('span', { class: 'comment__author' }, comment.author.displayName),
      ' ',
      h('span', { class: 'comment__handle' }, `@${comment.author.username}`),
      ' ',
      h('time', { datetime: comment.createdAt }, formatDate(comment.createdAt)),
      comment.editedAt ? ' ' : null,
      comment.editedAt ? h('span', { class: 'comment__edited' }, words().edited) : null,
      badge ? ' ' : null,
      badge,
      featured ? ' ' : null,
      featured,
    ),
    h('p', { class: 'comment__body' }, comment.body),
    h(
      'div',
      { class: 'comment__votes', 'data-votes': true },
      h('span', { class: 'comment__score', 'data-score': true }, scoreText(comment.score)),
    ),
    actions,
  );
}

/** As the server renders it (src/web/views/comment.view.ts). */
export function scoreText(score: CommentPayload['score']): string {
  return `▲ ${score.up} ▼ ${score.down}`;
}

// as the server renders dates, but in the reader's own time zone
export const formatDate = dateFormatter();
