/**
 * The statement that posts a visible comment: one round trip instead of a transaction of six
 * or seven. A single statement is atomic by itself, so no BEGIN and COMMIT either.
 */
import { mayWriteSql } from '../common/auth/write-refusal';
import { commentColumns, type StoredComment } from './stored-comment';

/** What the statement writes: a visible comment, or a reply to `parentId`. */
export interface NewComment {
  id: string;
  articleId: string;
  parentId: string | null;
  authorId: string;
  body: string;
}

/** The posted comment as findById reads it, its `seq` and the article's new visible count. */
export interface PostedComment {
  comment: StoredComment;
  seq: number;
  commentCount: number;
}

/**
 * Its data-modifying CTEs, each reading the one before it, so they run in this order and keep
 * the repository's lock order (the parent, then the article row that hands out `seq`):
 *  1. `parent` (replies only): +1 on the parent's reply count if it is a visible comment of
 *     the article;
 *  2. `article`: only then, the next `seq` and +1 visible comment;
 *  3. `c`: the comment, `created_at` read after the article row is locked (so it follows `seq`);
 *  4. `event`: its `comment.created` at that `seq`.
 * The first step runs only while the author may write (not banned, not erased: the ban check
 * of a BanCheckedInWrite route, on the database's clock). The result is the comment with its
 * author, as findById reads it, plus the seq and the new count; no row when the author may not
 * write or the article or a visible parent is missing, and then nothing was written.
 */
export function newCommentStatement(comment: NewComment): { sql: string; params: unknown[] } {
  const reply = comment.parentId !== null;
  const mayWrite = `EXISTS (SELECT 1 FROM users w WHERE w.id = ?::uuid AND ${mayWriteSql('w')})`;
  const sql = `WITH ${
    reply
      ? `parent AS (
      UPDATE comments SET reply_count = reply_count + 1
       WHERE id = ?::uuid AND article_id = ?::uuid AND status = 'visible' AND ${mayWrite}
      RETURNING id
    ), `
      : ''
  }article AS (
      UPDATE articles SET comment_seq = comment_seq + 1, comment_count = comment_count + 1
       WHERE id = ?::uuid AND ${reply ? 'EXISTS (SELECT 1 FROM parent)' : mayWrite}
      RETURNING id, comment_seq, comment_count
    ), c AS (
      INSERT INTO comments (id, article_id, parent_id, author_id, body, status, reply_count, created_at)
      SELECT ?::uuid, a.id, ?::uuid, ?::uuid, ?::text, 'visible', 0, clock_timestamp() FROM article a
      RETURNING *
    ), event AS (
      INSERT INTO comment_events (article_id, seq, type, comment_id, status, created_at)
      SELECT a.id, a.comment_seq, 'comment.created', c.id, NULL, clock_timestamp() FROM article a, c
      RETURNING seq
    )
    SELECT ${commentColumns({ cursorKey: true })}, e.seq, a.comment_count AS article_comment_count
      FROM c JOIN users u ON u.id = c.author_id, article a, event e`;
  const params = [
    ...(reply ? [comment.parentId, comment.articleId, comment.authorId] : []),
    comment.articleId,
    ...(reply ? [] : [comment.authorId]),
    comment.id,
    comment.parentId,
    comment.authorId,
    comment.body,
  ];
  return { sql, params };
}
