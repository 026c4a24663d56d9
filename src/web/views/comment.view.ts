import type { CommentView } from '../../comments/comment.view';
import { type Catalogue, CATALOGUES } from '../i18n';
import type { ThreadNode } from '../reader-pages.service';
import { formatDate } from './format';
import { markup, type SafeHtml } from './html';

/**
 * One comment and its replies. The browser script builds the same markup for comments that
 * arrive live (src/web/client/comment-dom.ts): keep the two in step.
 */
type Words = Catalogue['thread'];

export function commentItem(node: ThreadNode, t: Words = CATALOGUES.en.thread): SafeHtml {
  const { comment } = node;
  return markup`<li
    class="comment"
    id="comment-${comment.id}"
    data-comment-id="${comment.id}"
    data-parent-id="${comment.parentId ?? ''}"
    data-author-id="${comment.author?.id ?? ''}"
    data-status="${comment.status}"
  >
    ${comment.status === 'visible' ? visibleCard(comment, t) : tombstoneCard(comment, t)}
    <ol class="replies">
      ${node.replies.map((reply) => commentItem(reply, t))}
    </ol>
  </li>`;
}

function visibleCard(comment: CommentView, t: Words): SafeHtml {
  const author = comment.author!;
  return markup`<article class="comment__card" aria-label="${t.by(author.displayName)}">
    <p class="comment__meta">
      <span class="comment__author">${author.displayName}</span>
      <span class="comment__handle">@${author.username}</span>
      <time datetime="${comment.createdAt}">${formatDate(comment.createdAt)}</time
      >${comment.editedAt ? markup` <span class="comment__edited">${t.edited}</span>` : null}${
        comment.featured
          ? markup` <span class="badge badge--featured" data-featured>${t.featured}</span>`
          : null
      }
    </p>
    <p class="comment__body">${comment.body}</p>
    <div class="comment__votes" data-votes>
      <span class="comment__score" data-score>▲ ${comment.score.up} ▼ ${comment.score.down}</span>
    </div>
    <div class="comment__actions" data-actions></div>
  </article>`;
}

export function tombstoneText(status: CommentView['status'], t: Words): string {
  return status === 'removed' ? t.removedByModerator : t.deletedByAuthor;
}

function tombstoneCard(comment: CommentView, t: Words): SafeHtml {
  return markup`<article
    class="comment__card comment__card--tombstone"
    aria-label="${tombstoneText(comment.status, t)}"
  >
    <p class="comment__body">${tombstoneText(comment.status, t)}</p>
    <div class="comment__actions" data-actions></div>
  </article>`;
}
