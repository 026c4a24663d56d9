import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import type { Article } from './article.entity';

/** A follow-up question and its answer, shown in `position` order under the article. */
@Entity({ tableName: 'article_follow_ups' })
@Index({ properties: ['article', 'position'] })
export class FollowUp {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne('Article', { deleteRule: 'cascade' })
  article: Article;

  @Property({ type: 'smallint' })
  position: number;

  @Property({ type: 'text' })
  question: string;

  @Property({ type: 'text' })
  answer: string;

  constructor(article: Article, position: number, question: string, answer: string) {
    this.article = article;
    this.position = position;
    this.question = question;
    this.answer = answer;
  }
}
