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

  async slugTaken(slug: string): Promise<boolean> {
    return (await this.count({ slug })) > 0;
  }
}
