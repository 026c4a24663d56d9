import { EntityRepository, type FilterQuery } from '@mikro-orm/postgresql';
import type { Article } from './article.entity';

/** What the article page shows, read as plain data (see `findView`). */
export type ArticleView = Pick<
  Article,
  | 'id'
  | 'slug'
  | 'category'
  | 'title'
  | 'body'
  | 'keyTakeaways'
  | 'interestingUp'
  | 'interestingDown'
  | 'supportUp'
  | 'supportDown'
  | 'commentCount'
  | 'publishedAt'
> & { followUps: { id: string; question: string; answer: string }[] };

interface ArticleViewRow {
  id: string;
  slug: string;
  category: string;
  title: string;
  body: string;
  key_takeaways: string[];
  interesting_up: number;
  interesting_down: number;
  support_up: number;
  support_down: number;
  comment_count: number;
  /** ISO-8601 (to_json): the driver leaves timestamps as PostgreSQL's text */
  published_at: string;
  follow_ups: ArticleView['followUps'];
}

export class ArticlesRepository extends EntityRepository<Article> {
  /** Newest first; `after` is the (publishedAt, id) of the last article already seen. */
  listNewestFirst(limit: number, after?: { publishedAt: Date; id: string }): Promise<Article[]> {
    const where: FilterQuery<Article> = after
      ? {
          $or: [
            { publishedAt: { $lt: after.publishedAt } },
            { publishedAt: after.publishedAt, id: { $lt: after.id } },
          ],
        }
      : {};
    return this.find(where, { orderBy: { publishedAt: 'desc', id: 'desc' }, limit });
  }

  findWithFollowUps(where: { id: string } | { slug: string }): Promise<Article | null> {
    return this.findOne(where, { populate: ['followUps'] });
  }

  /**
   * The article with its follow-ups in one statement, as plain data: the most frequent read,
   * so it skips the query builder, entity hydration and the identity map (together ~3/4 of
   * this request's CPU when it went through `findWithFollowUps`).
   */
  async findView(where: { id: string } | { slug: string }): Promise<ArticleView | null> {
    const [column, value] = 'id' in where ? ['id', where.id] : ['slug', where.slug];
    // the request's own context (see UsersRepository.findPrincipal)
    const rows = await this.getEntityManager()
      .getContext(false)
      .execute<ArticleViewRow[]>(
        `SELECT a.id, a.slug, a.category, a.title, a.body, a.key_takeaways, a.interesting_up,
              a.interesting_down, a.support_up, a.support_down, a.comment_count,
              to_json(a.published_at) AS published_at,
              coalesce((SELECT json_agg(json_build_object('id', f.id, 'question', f.question,
                                                          'answer', f.answer) ORDER BY f.position)
                          FROM article_follow_ups f WHERE f.article_id = a.id), '[]') AS follow_ups
         FROM articles a
        WHERE a.${column} = ?`,
        [value],
      );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      slug: row.slug,
      category: row.category,
      title: row.title,
      body: row.body,
      keyTakeaways: row.key_takeaways,
      interestingUp: row.interesting_up,
      interestingDown: row.interesting_down,
      supportUp: row.support_up,
      supportDown: row.support_down,
      commentCount: row.comment_count,
      publishedAt: new Date(row.published_at),
      followUps: row.follow_ups,
    };
  }

  /**
   * The caller's votes on one article. Read here, beside the article, because the article
   * page shows them; the votes feature owns writing them.
   */
  async myVotes(
    articleId: string,
    userId: string,
  ): Promise<Record<'interesting' | 'support', 'up' | 'down' | null>> {
    const rows = await this.getEntityManager().execute<
      { dimension: string; value: 'up' | 'down' }[]
    >('SELECT dimension, value FROM votes WHERE article_id = ? AND user_id = ?', [
      articleId,
      userId,
    ]);
    const valueOf = (dimension: string): 'up' | 'down' | null =>
      rows.find((row) => row.dimension === dimension)?.value ?? null;
    return { interesting: valueOf('interesting'), support: valueOf('support') };
  }

  async slugTaken(slug: string): Promise<boolean> {
    return (await this.count({ slug })) > 0;
  }
}
