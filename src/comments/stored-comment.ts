import type { CommentStatus } from './comment.entity';

/** A comment as stored, with its author: what repositories return (never a raw row). */
export interface StoredComment {
  id: string;
  articleId: string;
  parentId: string | null;
  author: { id: string; username: string; displayName: string };
  /** The text as written, also on tombstones (moderators may see it). */
  body: string;
  status: CommentStatus;
  /** Visible direct replies. */
  replyCount: number;
  createdAt: Date;
  /** createdAt at full (microsecond) precision, for cursors; '' where no cursor is built. */
  createdKey: string;
  editedAt: Date | null;
  featured: boolean;
  scoreUp: number;
  scoreDown: number;
  /** The reader's own vote, where the read was for one (undefined otherwise). */
  myVote?: 'up' | 'down' | null;
}

/**
 * For repositories only: the select list of a comment (`c`) joined with its author (`u`), the
 * row it gives and its mapping. Other repositories that join comments (the moderation queue)
 * use the same three, so a comment is read and mapped the same way everywhere.
 */
export function commentColumns(options: { cursorKey: boolean }): string {
  return `c.id, c.article_id, c.parent_id, c.body, c.status, c.reply_count, c.created_at, c.edited_at,
    c.featured, c.score_up, c.score_down,
    ${options.cursorKey ? `to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` : "''"} AS created_key,
    u.id AS author_id, u.username AS author_username, u.display_name AS author_display_name`;
}

export interface CommentColumns {
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
  created_key: string;
  edited_at: Date | null;
  featured: boolean;
  score_up: number;
  score_down: number;
  /** Only where the query joined the reader's vote. */
  my_vote?: 'up' | 'down' | null;
}

export function storedCommentOf(row: CommentColumns): StoredComment {
  return {
    id: row.id,
    articleId: row.article_id,
    parentId: row.parent_id,
    author: {
      id: row.author_id,
      username: row.author_username,
      displayName: row.author_display_name,
    },
    body: row.body,
    status: row.status,
    replyCount: row.reply_count,
    createdAt: new Date(row.created_at),
    createdKey: row.created_key,
    editedAt: row.edited_at ? new Date(row.edited_at) : null,
    featured: row.featured,
    scoreUp: row.score_up,
    scoreDown: row.score_down,
    ...(row.my_vote !== undefined ? { myVote: row.my_vote } : {}),
  };
}
