import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

export interface Revision {
  body: string;
  /** When this text was written: the comment's creation or an edit. */
  since: Date;
}

/** Earlier texts of edited comments (see CommentRevision). */
@Injectable()
export class CommentRevisionsRepository {
  constructor(private readonly em: EntityManager) {}

  /** Keeps a text an edit is about to replace, inside the edit's transaction. */
  async keep(commentId: string, body: string, since: Date): Promise<void> {
    await this.em.execute(
      'INSERT INTO comment_revisions (id, comment_id, body, since) VALUES (gen_random_uuid(), ?, ?, ?)',
      [commentId, body, since],
    );
  }

  /** The earlier texts, oldest first. */
  async earlier(commentId: string): Promise<Revision[]> {
    const rows = await this.em.execute<{ body: string; since: Date }[]>(
      'SELECT body, since FROM comment_revisions WHERE comment_id = ? ORDER BY since, id',
      [commentId],
    );
    return rows.map((row) => ({ body: row.body, since: new Date(row.since) }));
  }
}
