import type { Api, CommentSort, ReaderComment } from './api';

export interface LoadedComment {
  comment: ReaderComment;
  replies: LoadedComment[];
}

const MAX_DEPTH = 6;
const MAX_REPLY_LISTS = 60;

/**
 * A page of top-level comments (newest first, or by score with `top`) with their replies
 * (oldest first), the way the server renders the page: the first page starts with the featured
 * top-level comments. With `originals` (moderators) removed comments come as written.
 */
export async function loadThread(
  api: Api,
  articleId: string,
  options: { cursor?: string; originals: boolean; sort?: CommentSort },
): Promise<{ items: LoadedComment[]; nextCursor: string | null }> {
  const sort = options.sort ?? 'newest';
  const [page, featured] = await Promise.all([
    api.comments(articleId, { sort, cursor: options.cursor, originals: options.originals }),
    options.cursor
      ? null
      : api.comments(articleId, { sort, originals: options.originals, featured: true }),
  ]);
  const picks = (featured?.items ?? []).filter((comment) => comment.parentId === null);
  const pinned = new Set(picks.map((comment) => comment.id));
  const comments = [...picks, ...page.items.filter((comment) => !pinned.has(comment.id))];
  const budget = { lists: MAX_REPLY_LISTS };
  const items = await withReplies(api, articleId, comments, 1, options.originals, budget);
  return { items, nextCursor: page.nextCursor };
}

async function withReplies(
  api: Api,
  articleId: string,
  comments: ReaderComment[],
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
