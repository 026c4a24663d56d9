import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import {
  type CommentColumns,
  commentColumns,
  type StoredComment,
  storedCommentOf,
} from '../../comments/stored-comment';

/** An article's newest visible comments at every depth (its Atom feed). */
@Injectable()
export class LatestCommentsRepository {
  constructor(private readonly em: EntityManager) {}

  async latestVisible(articleId: string, limit: number): Promise<StoredComment[]> {
    const rows = await this.em.execute<CommentColumns[]>(
      `SELECT ${commentColumns({ cursorKey: false })}
         FROM comments c JOIN users u ON u.id = c.author_id
        WHERE c.article_id = ? AND c.status = 'visible'
        ORDER BY c.created_at DESC, c.id DESC LIMIT ?`,
      [articleId, limit],
    );
    return rows.map(storedCommentOf);
  }
}
