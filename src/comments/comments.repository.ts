/**
 * Every SQL statement on comments, their counters and their event log (over 250 lines: the
 * statements that must share one lock order and one row mapping stay in one file).
 */
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { type Tallies, type TallyColumns, talliesOf, tallyColumns } from '../articles/tallies';
import { refusalSql, type WriteRefusal } from '../common/auth/write-refusal';
import type { CommentStatus } from './comment.entity';
import type { CommentEventType } from './comment-event.entity';
import {
  type CommentKey,
  type CommentReader,
  type CommentSort,
  commentPageQuery,
} from './comment-page.query';
import { type NewComment, newCommentStatement, type PostedComment } from './new-comment.statement';
import {
  type CommentColumns,
  commentColumns,
  type StoredComment,
  storedCommentOf,
} from './stored-comment';

/** Where an article's live feed starts: its latest comment `seq`, visible comments and tallies. */
export interface ArticleSnapshot {
  articleId: string;
  seq: number;
  commentCount: number;
  tallies: Tallies;
  talliesVersion: number;
}

/** An entry of the comment event log, with its comment as it is now. */
export interface LoggedCommentEvent {
  seq: number;
  type: CommentEventType;
  /** For `comment.removed`: the status the comment went to then. */
  status: CommentStatus | null;
  comment: StoredComment;
}

interface SnapshotRow extends TallyColumns {
  id: string;
  comment_seq: number;
  comment_count: number;
  tallies_version: number;
}

interface EventRow extends CommentColumns {
  seq: number;
  type: CommentEventType;
  event_status: CommentStatus | null;
}

export type { CommentKey, CommentReader, CommentSort } from './comment-page.query';
export { commentPageQuery } from './comment-page.query';

const SELECT_COMMENT = `SELECT ${commentColumns({ cursorKey: true })}
    FROM comments c JOIN users u ON u.id = c.author_id`;
/** A uuid as PostgreSQL prints it: safe inside an array literal as it is. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SNAPSHOT_COLUMNS = `id, comment_seq, comment_count, ${tallyColumns()}, tallies_version`;

/**
 * Comments, their counters and the per-article event log, in explicit SQL run inside the
 * caller's transaction. Lock order everywhere: the comment, then its parent, then the article
 * row (which hands out `seq`): one order, so concurrent writers never deadlock.
 */
@Injectable()
export class CommentsRepository {
  constructor(private readonly em: EntityManager) {}

  async articleExists(articleId: string): Promise<boolean> {
    return (
      (await this.em.execute<unknown[]>('SELECT 1 FROM articles WHERE id = ?', [articleId]))
        .length > 0
    );
  }

  async findById(id: string): Promise<StoredComment | null> {
    const rows = await this.em.execute<CommentColumns[]>(`${SELECT_COMMENT} WHERE c.id = ?`, [id]);
    return rows[0] ? storedCommentOf(rows[0]) : null;
  }

  /** The comment, row-locked until the transaction ends. */
  async lock(id: string): Promise<StoredComment | null> {
    const rows = await this.em.execute<CommentColumns[]>(
      `${SELECT_COMMENT} WHERE c.id = ? FOR UPDATE OF c`,
      [id],
    );
    return rows[0] ? storedCommentOf(rows[0]) : null;
  }

  /**
   * Whether the database lets `userId` write now (null) or why not: read inside a comment's
   * own write, since the route identifies its caller from the principal cache
   * (BanCheckedInWrite), so a ban or an erasure committed on any instance stops the next post.
   */
  async authorRefusal(userId: string): Promise<WriteRefusal | null> {
    const rows = await this.em.execute<{ refusal: WriteRefusal | null }[]>(
      `SELECT ${refusalSql('u')} AS refusal FROM (SELECT ?::uuid AS id) k
         LEFT JOIN users u ON u.id = k.id`,
      [userId],
    );
    return rows[0]!.refusal; // one row always: NULL when the user may write
  }

  async statusOf(id: string, articleId: string): Promise<CommentStatus | null> {
    const rows = await this.em.execute<{ status: CommentStatus }[]>(
      'SELECT status FROM comments WHERE id = ? AND article_id = ?',
      [id, articleId],
    );
    return rows[0]?.status ?? null;
  }

  /**
   * +1/-1 on the parent's count of visible replies. With `onlyIfVisible` (a new reply) the
   * parent must be visible itself; returns false when there is no such parent.
   */
  async adjustReplyCount(
    parentId: string,
    articleId: string,
    delta: 1 | -1,
    onlyIfVisible = false,
  ): Promise<boolean> {
    const rows = await this.em.execute<unknown[]>(
      `UPDATE comments SET reply_count = reply_count + ? WHERE id = ? AND article_id = ? ${
        onlyIfVisible ? "AND status = 'visible'" : ''
      } RETURNING 1`,
      [delta, parentId, articleId],
    );
    return rows.length > 0;
  }

  /**
   * Locks the article row, moves its visible-comment count by `delta` and hands out the next
   * `seq`; the seq and the new count. Null when the article does not exist.
   */
  async nextSeq(
    articleId: string,
    delta: -1 | 0 | 1,
  ): Promise<{ seq: number; commentCount: number } | null> {
    const rows = await this.em.execute<{ comment_seq: number; comment_count: number }[]>(
      `UPDATE articles SET comment_seq = comment_seq + 1, comment_count = comment_count + ?
        WHERE id = ? RETURNING comment_seq, comment_count`,
      [delta, articleId],
    );
    return rows[0] ? { seq: rows[0].comment_seq, commentCount: rows[0].comment_count } : null;
  }

  async insert(comment: {
    id: string;
    articleId: string;
    parentId: string | null;
    authorId: string;
    body: string;
    status?: CommentStatus;
  }): Promise<void> {
    await this.em.execute(
      `INSERT INTO comments (id, article_id, parent_id, author_id, body, status, reply_count, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 0, clock_timestamp())`,
      [
        comment.id,
        comment.articleId,
        comment.parentId,
        comment.authorId,
        comment.body,
        comment.status ?? 'visible',
      ],
    );
  }

  /**
   * Posts a visible comment or reply in one statement (see newCommentStatement), outside any
   * transaction; the comment, its seq and the article's new count. Null, having written
   * nothing, when there is no such article or no visible parent of this article.
   */
  async insertVisible(comment: NewComment): Promise<PostedComment | null> {
    const { sql, params } = newCommentStatement(comment);
    const rows = await this.em.execute<
      (CommentColumns & { seq: number; article_comment_count: number })[]
    >(sql, params);
    const row = rows[0];
    if (!row) return null;
    return { comment: storedCommentOf(row), seq: row.seq, commentCount: row.article_comment_count };
  }

  async updateBody(id: string, body: string): Promise<void> {
    await this.em.execute(
      'UPDATE comments SET body = ?, edited_at = clock_timestamp() WHERE id = ?',
      [body, id],
    );
  }

  async setStatus(id: string, status: CommentStatus, reason: string | null): Promise<void> {
    await this.em.execute('UPDATE comments SET status = ?, removed_reason = ? WHERE id = ?', [
      status,
      reason,
      id,
    ]);
  }

  async setFeatured(id: string, featured: boolean): Promise<void> {
    await this.em.execute('UPDATE comments SET featured = ? WHERE id = ?', [featured, id]);
  }

  async appendEvent(
    articleId: string,
    seq: number,
    type: CommentEventType,
    commentId: string,
    status: CommentStatus | null = null,
  ): Promise<void> {
    await this.em.execute(
      `INSERT INTO comment_events (article_id, seq, type, comment_id, status, created_at)
       VALUES (?, ?, ?, ?, ?, clock_timestamp())`,
      [articleId, seq, type, commentId, status],
    );
  }

  /** The article's comment `seq`, visible-comment count and tallies, or null if unknown. */
  async snapshot(articleId: string): Promise<ArticleSnapshot | null> {
    const rows = await this.em.execute<SnapshotRow[]>(
      `SELECT ${SNAPSHOT_COLUMNS} FROM articles WHERE id = ?`,
      [articleId],
    );
    return rows[0] ? snapshotOf(rows[0]) : null;
  }

  /**
   * The same for several articles at once (periodic catch-up checks): one query with one bind
   * parameter, a uuid array, however many ids (an `IN (?, ?, …)` list fails past PostgreSQL's
   * 65,535 parameters). Ids that are not uuids match nothing.
   */
  async snapshots(articleIds: string[]): Promise<ArticleSnapshot[]> {
    const ids = articleIds.filter((id) => UUID.test(id));
    if (ids.length === 0) return [];
    const rows = await this.em.execute<SnapshotRow[]>(
      `SELECT ${SNAPSHOT_COLUMNS} FROM articles WHERE id = ANY(?::uuid[])`,
      [`{${ids.join(',')}}`],
    );
    return rows.map(snapshotOf);
  }

  /**
   * The article's comment events with `after < seq <= upTo`, in order, each joined with its
   * comment as it is now (so a comment removed since replays as a tombstone).
   */
  async eventsBetween(
    articleId: string,
    after: number,
    upTo: number,
  ): Promise<LoggedCommentEvent[]> {
    const rows = await this.em.execute<EventRow[]>(
      `SELECT e.seq, e.type, e.status AS event_status, ${commentColumns({ cursorKey: false })}
         FROM comment_events e
         JOIN comments c ON c.id = e.comment_id
         JOIN users u ON u.id = c.author_id
        WHERE e.article_id = ? AND e.seq > ? AND e.seq <= ?
        ORDER BY e.seq`,
      [articleId, after, upTo],
    );
    return rows.map((row) => ({
      seq: row.seq,
      type: row.type,
      status: row.event_status,
      comment: storedCommentOf(row),
    }));
  }

  /** One page (plus one row, to tell whether there is more) of an article's comments. */
  async list(
    articleId: string,
    parentId: string | null,
    sort: CommentSort,
    limit: number,
    after?: CommentKey,
    reader?: CommentReader,
  ): Promise<StoredComment[]> {
    const { sql, params } = commentPageQuery(articleId, parentId, sort, limit, after, reader);
    return (await this.em.execute<CommentColumns[]>(sql, params)).map(storedCommentOf);
  }
}

function snapshotOf(row: SnapshotRow): ArticleSnapshot {
  return {
    articleId: row.id,
    seq: row.comment_seq,
    commentCount: row.comment_count,
    tallies: talliesOf(row),
    talliesVersion: row.tallies_version,
  };
}
