import { randomUUID } from 'node:crypto';
import {
  Check,
  Entity,
  Enum,
  Index,
  ManyToOne,
  type Opt,
  PrimaryKey,
  Property,
} from '@mikro-orm/core';
import { Article } from '../articles/article.entity';
import { User } from '../users/user.entity';

export const COMMENT_STATUSES = ['visible', 'removed', 'deleted', 'pending', 'rejected'] as const;
export type CommentStatus = (typeof COMMENT_STATUSES)[number];
/** Held or refused by moderation: seen only by their author and moderators. */
export const UNPUBLISHED_STATUSES: readonly CommentStatus[] = ['pending', 'rejected'];

/**
 * A comment or a reply (`parent`). Removed and deleted comments stay as tombstones so their
 * replies keep their place; `body` keeps the original for moderators. Written with explicit
 * SQL by CommentsRepository (counters and the event log change in the same transaction);
 * the entity defines the schema.
 */
@Entity({ tableName: 'comments' })
@Index({ properties: ['article', 'parent', 'createdAt', 'id'] })
@Index({ properties: ['article', 'parent', 'replyCount', 'createdAt', 'id'] })
// Top-level pages filter on `parent_id IS NULL`, which PostgreSQL does not treat as an equality:
// through the two indexes above it would read and sort every top-level comment of the article for
// each page. These partial indexes give those pages in order, so a page costs its LIMIT.
@Index({
  name: 'comments_top_level_newest_index',
  expression:
    'create index "comments_top_level_newest_index" on "comments" ("article_id", "created_at", "id") where "parent_id" is null',
})
@Index({
  name: 'comments_top_level_score_index',
  expression:
    'create index "comments_top_level_score_index" on "comments" ("article_id", (score_up - score_down), "created_at", "id") where "parent_id" is null',
})
@Index({
  name: 'comments_replies_score_index',
  expression:
    'create index "comments_replies_score_index" on "comments" ("article_id", "parent_id", (score_up - score_down), "created_at", "id")',
})
// the moderators' pending queue, oldest first
@Index({
  name: 'comments_pending_index',
  expression:
    'create index "comments_pending_index" on "comments" ("created_at", "id") where "status" = \'pending\'',
})
// a user's history, newest first
@Index({ properties: ['author', 'createdAt', 'id'] })
@Check({ name: 'comments_reply_count_check', expression: 'reply_count >= 0' })
@Check({ name: 'comments_score_check', expression: 'score_up >= 0 and score_down >= 0' })
export class Comment {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Article, { deleteRule: 'cascade' })
  article: Article;

  @ManyToOne(() => Comment, { nullable: true, deleteRule: 'cascade' })
  parent: Comment | null;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  author: User;

  @Property({ type: 'text' })
  body: string;

  @Enum({ items: () => COMMENT_STATUSES, type: 'string', length: 16 })
  status: Opt<CommentStatus> = 'visible';

  /** Visible direct replies. */
  @Property({ type: 'integer', default: 0 })
  replyCount: Opt<number> = 0;

  @Property({ type: 'datetime', defaultRaw: 'clock_timestamp()' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', nullable: true })
  editedAt: Opt<Date> | null = null;

  /** The moderator's reason of a removal or a rejection. */
  @Property({ type: 'text', nullable: true })
  removedReason: Opt<string> | null = null;

  /** An editors' pick: listed first on the reader page. */
  @Property({ type: 'boolean', default: false })
  featured: Opt<boolean> = false;

  /** Up and down votes on the comment (see CommentVote); always equal to the stored votes. */
  @Property({ type: 'integer', default: 0 })
  scoreUp: Opt<number> = 0;

  @Property({ type: 'integer', default: 0 })
  scoreDown: Opt<number> = 0;

  /** Bumped with every score change: orders score snapshots across instances. */
  @Property({ type: 'integer', default: 0 })
  scoreVersion: Opt<number> = 0;

  constructor(article: Article, author: User, body: string, parent: Comment | null = null) {
    this.article = article;
    this.author = author;
    this.body = body;
    this.parent = parent;
  }
}
