import type { CommentStatus } from './comment.entity';

/** A comment row joined with its author, as CommentsRepository reads it. */
export interface CommentRow {
  id: string;
  article_id: string;
  parent_id: string | null;
  author_id: string;
  author_username: string;
  author_display_name: string;
  body: string;
  status: CommentStatus;
  reply_count: number;
  created_at: Date;
  /** created_at at full (microsecond) precision, for cursors. */
  created_key: string;
  edited_at: Date | null;
}

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
}

/**
 * What a reader may see: removed and deleted comments are tombstones without body and
 * author. `showOriginal` (moderators with ?include=removed) shows them as written.
 */
export function toCommentView(row: CommentRow, showOriginal = false): CommentView {
  const visible = row.status === 'visible' || showOriginal;
  return {
    id: row.id,
    articleId: row.article_id,
    parentId: row.parent_id,
    author: visible
      ? { id: row.author_id, username: row.author_username, displayName: row.author_display_name }
      : null,
    body: visible ? row.body : null,
    status: row.status,
    replyCount: row.reply_count,
    createdAt: new Date(row.created_at).toISOString(),
    editedAt: row.edited_at ? new Date(row.edited_at).toISOString() : null,
  };
}
