import type { EntityManager } from '@mikro-orm/postgresql';
import { Seeder } from '@mikro-orm/seeder';
import { Article } from '../article.entity';
import { FollowUp } from '../follow-up.entity';
import { DEMO_ARTICLE } from './demo-article';

/** Loads the demo article unless an article with its slug exists. Returns whether it did. */
export class DemoArticleSeeder extends Seeder {
  created = false;

  async run(em: EntityManager): Promise<void> {
    if ((await em.count(Article, { slug: DEMO_ARTICLE.slug })) > 0) return;
    const article = new Article({
      slug: DEMO_ARTICLE.slug,
      category: DEMO_ARTICLE.category,
      title: DEMO_ARTICLE.title,
      body: DEMO_ARTICLE.body,
      keyTakeaways: [...DEMO_ARTICLE.keyTakeaways],
    });
    article.publishedAt = DEMO_ARTICLE.publishedAt;
    DEMO_ARTICLE.followUps.forEach((f, i) =>
      article.followUps.add(new FollowUp(article, i, f.question, f.answer)),
    );
    await em.persistAndFlush(article);
    this.created = true;
  }
}
