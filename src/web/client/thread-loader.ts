import type { CommentPayload } from '../../realtime/contract';
import type { Api } from './api';

export interface LoadedComment {
  comment: CommentPayload;
  replies: LoadedComment[];
}

const MAX_DEPTH = 6;
const MAX_REPLY_LISTS = 60;

/**
 * A page of top-level comments (newest first) with their replies (oldest first), the way
 * the server renders the page. With `originals` (moderators) removed comments come as written.
 */
export async function loadThread(
  api: Api,
  articleId: string,
  options: { cursor?: string; originals: boolean },
): Promise<{ items: LoadedComment[]; nextCursor: string | null }> {
  const page = await api.comments(articleId, {
    sort: 'newest',
    cursor: options.cursor,
    originals: options.originals,
  });
  const budget = { lists: MAX_REPLY_LISTS };
  const items = await withReplies(api, articleId, page.items, 1, options.originals, budget);
  return { items, nextCursor: page.nextCursor };
}

async function withReplies(
  api: Api,
  articleId: string,
  comments: CommentPayload[],
  depth: number,
  originals: boolean,
  budget: { lists: number },
): Promise<LoadedComment[]> {
  const out: LoadedComment[] = [];
  for (const comment of comments) {
    let replies: LoadedComment[] = [];
    if (comment.replyCount > 0 && depth < MAX_DEPTH && budget.lists > 0) {
      budget.lists -= 1;
      const page = await api.comments(articleId, {
        parentId: comment.id,
        sort: 'oldest',
        originals,
      });
      replies = await withReplies(api, articleId, page.items, depth + 1, originals, budget);
    }
    if (comment.status !== 'visible' && !originals && replies.length === 0) continue;
    out.push({ comment, replies });
  }
  return out;
}
