import {
  Entity,
  Enum,
  ManyToOne,
  type Opt,
  PrimaryKey,
  PrimaryKeyProp,
  Property,
} from '@mikro-orm/core';
import { Article } from '../articles/article.entity';
import { COMMENT_STATUSES, type CommentStatus } from './comment.entity';

export const COMMENT_EVENT_TYPES = [
  'comment.created',
  'comment.updated',
  'comment.removed',
] as const;
export type CommentEventType = (typeof COMMENT_EVENT_TYPES)[number];

/**
 * The per-article log of comment changes readers can see, numbered 1, 2, 3, … by `seq` in
 * commit order (the number comes from the article row, locked until COMMIT). Live clients
 * replay it after a reconnect.
 */
@Entity({ tableName: 'comment_events' })
export class CommentEvent {
  [PrimaryKeyProp]?: ['article', 'seq'];

  @ManyToOne(() => Article, { primary: true, deleteRule: 'cascade' })
  article: Article;

  @PrimaryKey({ type: 'integer', autoincrement: false })
  seq: number;

  @Enum({ items: () => COMMENT_EVENT_TYPES, type: 'string', length: 32 })
  type: CommentEventType;

  @Property({ type: 'uuid' })
  commentId: string;

  /** For `comment.removed`: removed (by a moderator) or deleted (by the author). */
  @Enum({ items: () => COMMENT_STATUSES, type: 'string', length: 16, nullable: true })
  status: CommentStatus | null;

  @Property({ type: 'datetime', defaultRaw: 'clock_timestamp()' })
  createdAt: Opt<Date> = new Date();

  constructor(
    article: Article,
    seq: number,
    type: CommentEventType,
    commentId: string,
    status: CommentStatus | null = null,
  ) {
    this.article = article;
    this.seq = seq;
    this.type = type;
    this.commentId = commentId;
    this.status = status;
  }
}
