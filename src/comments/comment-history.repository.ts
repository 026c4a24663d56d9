import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { SELECT_COMMENT } from './comment-page.query';
import { type CommentColumns, type StoredComment, storedCommentOf } from './stored-comment';

/** A user's comment history, for moderators. */
@Injectable()
export class CommentHistoryRepository {
  constructor(private readonly em: EntityManager) {}

  async userExists(userId: string): Promise<boolean> {
    return (
      (await this.em.execute<unknown[]>('SELECT 1 FROM users WHERE id = ?', [userId])).length > 0
    );
  }

  /** A user's comments in any status, newest first, after the (created_at, id) given. */
  async byAuthor(
    authorId: string,
    limit: number,
    after?: { createdKey: string; id: string },
  ): Promise<StoredComment[]> {
    const keyset = after ? 'AND (c.created_at, c.id) < (?::timestamptz, ?::uuid)' : '';
    const rows = await this.em.execute<CommentColumns[]>(
      `${SELECT_COMMENT} WHERE c.author_id = ? ${keyset} ORDER BY c.created_at DESC, c.id DESC LIMIT ?`,
      [authorId, ...(after ? [after.createdKey, after.id] : []), limit],
    );
    return rows.map(storedCommentOf);
  }
}
