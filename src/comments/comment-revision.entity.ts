import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Comment } from './comment.entity';

/**
 * An earlier text of an edited comment, from the time it was written (`since`: the comment's
 * creation or the edit before) until the edit that replaced it. The current text is the
 * comment's own.
 */
@Entity({ tableName: 'comment_revisions' })
@Index({ properties: ['comment', 'since'] })
export class CommentRevision {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Comment, { deleteRule: 'cascade' })
  comment: Comment;

  @Property({ type: 'text' })
  body: string;

  @Property({ type: 'datetime' })
  since: Date;

  constructor(comment: Comment, body: string, since: Date) {
    this.comment = comment;
    this.body = body;
    this.since = since;
  }
}
