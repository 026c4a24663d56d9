/** The statement of a page of comments, as the reader asking may see it. */
import { commentColumns } from './stored-comment';

export type CommentSort = 'newest' | 'oldest' | 'top';

/** The keyset of the last row of a page, in the sort's order (`top` puts the score first). */
export type CommentKey = { createdKey: string; id: string; score?: number };

/** Who reads a page: pending and rejected comments are shown only to their author and to moderators. */
export interface CommentReader {
  /** The signed-in reader (their own held comments, their votes), or null. */
  userId: string | null;
  /** Moderators with `?include=pending`: every held comment. */
  allPending: boolean;
  /** Only featured comments (of any depth unless `parentId` is given). */
  featuredOnly?: boolean;
}

export const SELECT_COMMENT = `SELECT ${commentColumns({ cursorKey: true })}
    FROM comments c JOIN users u ON u.id = c.author_id`;
const SELECT_COMMENT_WITH_VOTE = `SELECT ${commentColumns({ cursorKey: true })}, cv.value AS my_vote
    FROM comments c JOIN users u ON u.id = c.author_id
    LEFT JOIN comment_votes cv ON cv.comment_id = c.id AND cv.user_id = ?`;
const SCORE = '(c.score_up - c.score_down)';

const ORDER: Record<CommentSort, { keyset: string; orderBy: string }> = {
  newest: {
    keyset: '(c.created_at, c.id) < (?::timestamptz, ?::uuid)',
    orderBy: 'c.created_at DESC, c.id DESC',
  },
  oldest: {
    keyset: '(c.created_at, c.id) > (?::timestamptz, ?::uuid)',
    orderBy: 'c.created_at ASC, c.id ASC',
  },
  top: {
    keyset: `(${SCORE}, c.created_at, c.id) < (?::integer, ?::timestamptz, ?::uuid)`,
    orderBy: `${SCORE} DESC, c.created_at DESC, c.id DESC`,
  },
};

/**
 * The statement behind `list` (`?` placeholders): top-level pages (`parentId` null) are served in
 * order by the partial `comments_top_level_*` indexes, replies by the `(article, parent, …)` ones,
 * so a page reads `limit` rows however many comments the article has.
 */
export function commentPageQuery(
  articleId: string,
  parentId: string | null,
  sort: CommentSort,
  limit: number,
  after?: CommentKey,
  reader: CommentReader = { userId: null, allPending: false },
): { sql: string; params: unknown[] } {
  const { keyset, orderBy } = ORDER[sort];
  const params: unknown[] = reader.userId ? [reader.userId, articleId] : [articleId];
  let where = 'c.article_id = ?';
  if (parentId !== null) {
    where += ' AND c.parent_id = ?';
    params.push(parentId);
  } else if (!reader.featuredOnly) {
    where += ' AND c.parent_id IS NULL';
  }
  if (reader.featuredOnly) where += ' AND c.featured';
  if (!reader.allPending) {
    where += reader.userId
      ? " AND (c.status NOT IN ('pending', 'rejected') OR c.author_id = ?)"
      : " AND c.status NOT IN ('pending', 'rejected')";
    if (reader.userId) params.push(reader.userId);
  }
  if (after) {
    where += ` AND ${keyset}`;
    params.push(...(sort === 'top' ? [after.score ?? 0] : []), after.createdKey, after.id);
  }
  params.push(limit);
  const select = reader.userId ? SELECT_COMMENT_WITH_VOTE : SELECT_COMMENT;
  return { sql: `${select} WHERE ${where} ORDER BY ${orderBy} LIMIT ?`, params };
}
