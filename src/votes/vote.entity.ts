import {
  Entity,
  Enum,
  Index,
  ManyToOne,
  type Opt,
  PrimaryKey,
  PrimaryKeyProp,
  Property,
} from '@mikro-orm/core';
import { Article } from '../articles/article.entity';
import { User } from '../users/user.entity';

export const DIMENSIONS = ['interesting', 'support'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const VOTE_VALUES = ['up', 'down'] as const;
export type VoteValue = (typeof VOTE_VALUES)[number];

/**
 * One user's vote on one dimension of one article: the primary key makes a second vote
 * impossible. Written with explicit SQL by VotesRepository; the entity defines the schema.
 */
@Entity({ tableName: 'votes' })
@Index({ properties: ['user'] })
export class Vote {
  [PrimaryKeyProp]?: ['article', 'dimension', 'user'];

  @ManyToOne(() => Article, { primary: true, deleteRule: 'cascade' })
  article: Article;

  @PrimaryKey({ type: 'string', length: 16 })
  dimension: Dimension;

  @ManyToOne(() => User, { primary: true, deleteRule: 'cascade' })
  user: User;

  @Enum({ items: () => VOTE_VALUES, type: 'string', length: 8 })
  value: VoteValue;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime' })
  updatedAt: Opt<Date> = new Date();

  constructor(article: Article, dimension: Dimension, user: User, value: VoteValue) {
    this.article = article;
    this.dimension = dimension;
    this.user = user;
    this.value = value;
  }
}
