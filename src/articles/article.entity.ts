import { randomUUID } from 'node:crypto';
import {
  ArrayType,
  Cascade,
  Check,
  Collection,
  Entity,
  EntityRepositoryType,
  Index,
  ManyToOne,
  OneToMany,
  type Opt,
  PrimaryKey,
  Property,
  type Ref,
  Unique,
} from '@mikro-orm/core';
import { Site } from '../sites/site.entity';
import { ArticlesRepository } from './articles.repository';
import { FollowUp } from './follow-up.entity';

export interface ArticleContent {
  slug: string;
  category: string;
  title: string;
  body: string;
  keyTakeaways: string[];
}

@Entity({ tableName: 'articles', repository: () => ArticlesRepository })
@Index({ properties: ['publishedAt', 'id'] })
// one article per publisher's id: concurrent upserts of one externalId meet here
@Unique({ properties: ['site', 'externalId'] })
// counters can never go negative: a bug would fail its transaction rather than corrupt tallies
@Check({
  name: 'articles_counters_check',
  expression:
    'interesting_up >= 0 and interesting_down >= 0 and support_up >= 0 and support_down >= 0 and comment_count >= 0',
})
export class Article {
  [EntityRepositoryType]?: ArticlesRepository;

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 120, unique: true })
  slug: string;

  @Property({ type: 'string', length: 64 })
  category: string;

  @Property({ type: 'string', length: 300 })
  title: string;

  @Property({ type: 'text' })
  body: string;

  /** Ordered as written; a Postgres text[] keeps the order. */
  @Property({ type: ArrayType, columnType: 'text[]' })
  keyTakeaways: string[];

  @OneToMany(() => FollowUp, (followUp) => followUp.article, {
    orderBy: { position: 'asc' },
    cascade: [Cascade.ALL],
    orphanRemoval: true,
  })
  followUps = new Collection<FollowUp>(this);

  @Property({ type: 'integer', default: 0 })
  interestingUp: Opt<number> = 0;

  @Property({ type: 'integer', default: 0 })
  interestingDown: Opt<number> = 0;

  @Property({ type: 'integer', default: 0 })
  supportUp: Opt<number> = 0;

  @Property({ type: 'integer', default: 0 })
  supportDown: Opt<number> = 0;

  /** Bumped with every tally change: orders tally snapshots across instances. */
  @Property({ type: 'integer', default: 0 })
  talliesVersion: Opt<number> = 0;

  /** Visible comments. */
  @Property({ type: 'integer', default: 0 })
  commentCount: Opt<number> = 0;

  /** The `seq` of the article's latest comment event (see CommentEvent). */
  @Property({ type: 'integer', default: 0 })
  commentSeq: Opt<number> = 0;

  @Property({ type: 'datetime' })
  publishedAt: Opt<Date> = new Date();

  /** The publisher's site, for articles it manages by its own id (null: made here). */
  @ManyToOne(() => Site, { ref: true, nullable: true })
  site: Opt<Ref<Site>> | null = null;

  /** The publisher's own id of the article: 1–128 of [A-Za-z0-9._~:-]. */
  @Property({ type: 'string', length: 128, nullable: true })
  externalId: Opt<string> | null = null;

  /** Where the publisher shows the article. */
  @Property({ type: 'text', nullable: true })
  url: Opt<string> | null = null;

  /** No new comments: posting answers 403. */
  @Property({ type: 'boolean', default: false })
  commentsClosed: Opt<boolean> = false;

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Opt<Date> = new Date();

  constructor(content: ArticleContent) {
    this.slug = content.slug;
    this.category = content.category;
    this.title = content.title;
    this.body = content.body;
    this.keyTakeaways = content.keyTakeaways;
  }
}
