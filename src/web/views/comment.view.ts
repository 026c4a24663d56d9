import type { CommentView } from '../../comments/comment.view';
import type { ThreadNode } from '../reader-pages.service';
import { formatDate } from './format';
import { markup, type SafeHtml } from './html';

/**
 * One comment and its replies. The browser script builds the same markup for comments that
 * arrive live (src/web/client/comment-dom.ts): keep the two in step.
 */
export function commentItem(node: ThreadNode): SafeHtml {
  const { comment } = node;
  return markup`<li
    class="comment"
    id="comment-${comment.id}"
    data-comment-id="${comment.id}"
    data-parent-id="${comment.parentId ?? ''}"
    data-author-id="${comment.author?.id ?? ''}"
    data-status="${comment.status}"
  >
    ${comment.status === 'visible' ? visibleCard(comment) : tombstoneCard(comment)}
    <ol class="replies">
      ${node.replies.map(commentItem)}
    </ol>
  </li>`;
}

function visibleCard(comment: CommentView): SafeHtml {
  const author = comment.author!;
  return markup`<article class="comment__card" aria-label="Comment by ${author.displayName}">
    <p class="comment__meta">
      <span class="comment__author">${author.displayName}</span>
      <span class="comment__handle">@${author.username}</span>
      <time datetime="${comment.createdAt}">${formatDate(comment.createdAt)}</time
      >${comment.editedAt ? markup` <span class="comment__edited">(edited)</span>` : null}${
        comment.featured
          ? markup` <span class="badge badge--featured" data-featured>Editors' pick</span>`
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

export function tombstoneText(status: CommentView['status']): string {
  return status === 'removed'
    ? 'This comment was removed by a moderator.'
    : 'This comment was deleted.';
}

function tombstoneCard(comment: CommentView): SafeHtml {
  return markup`<article
    class="comment__card comment__card--tombstone"
    aria-label="${tombstoneText(comment.status)}"
  >
    <p class="comment__body">${tombstoneText(comment.status)}</p>
    <div class="comment__actions" data-actions></div>
  </article>`;
}
