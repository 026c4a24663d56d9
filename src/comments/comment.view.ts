import type { CommentStatus } from './comment.entity';
import type { StoredComment } from './stored-comment';

/** `Comment` of the contract. */
export interface CommentView {
  id: string;
  articleId: string;
  parentId: string | null;
  author: { id: string; username: string; displayName: string } | null;
  body: string | null;
  status: CommentStatus;
  replyCount: number;
  createdAt: string;
  editedAt: string | null;
  featured: boolean;
  score: { up: number; down: number };
  /** The caller's own vote, on authenticated reads. */
  myVote?: 'up' | 'down' | null;
}

/**
 * What a reader may see: removed and deleted comments are tombstones without body and
 * author. `showOriginal` (moderators with ?include=removed) shows them as written. Pending and
 * rejected comments reach only their author and moderators, who see them as written.
 */
export function toCommentView(comment: StoredComment, showOriginal = false): CommentView {
  const visible =
    comment.status === 'visible' ||
    comment.status === 'pending' ||
    comment.status === 'rejected' ||
    showOriginal;
  return {
    id: comment.id,
    articleId: comment.articleId,
    parentId: comment.parentId,
    author: visible ? { ...comment.author } : null,
    body: visible ? comment.body : null,
    status: comment.status,
    replyCount: comment.replyCount,
    createdAt: comment.createdAt.toISOString(),
    editedAt: comment.editedAt ? comment.editedAt.toISOString() : null,
    featured: comment.featured,
    score: { up: comment.scoreUp, down: comment.scoreDown },
    ...(comment.myVote !== undefined ? { myVote: comment.myVote } : {}),
  };
}
