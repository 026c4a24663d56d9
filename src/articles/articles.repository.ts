import { EntityRepository, type FilterQuery } from '@mikro-orm/postgresql';
import type { Article } from './article.entity';

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
