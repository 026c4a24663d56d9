import { EntityRepository } from '@mikro-orm/postgresql';
import type { Article } from './article.entity';
import { type Tallies, type TallyColumns, talliesOf, tallyColumns } from './tallies';

/** An article as lists show it, read as plain data. */
export interface ArticleSummaryView {
  id: string;
  slug: string;
  category: string;
  title: string;
  keyTakeaways: string[];
  tallies: Tallies;
  commentCount: number;
  /** The `seq` of the article's latest comment event, read with the rest of the row. */
  commentSeq: number;
  publishedAt: Date;
  /** For articles a publisher's site manages by its own id; all null otherwise. */
  siteId: string | null;
  externalId: string | null;
  url: string | null;
  commentsClosed: boolean;
}

/** What the article page shows. */
export interface ArticleView extends ArticleSummaryView {
  body: string;
  followUps: { id: string; question: string; answer: string }[];
}

interface SummaryRow extends TallyColumns {
  id: string;
  slug: string;
  category: string;
  title: string;
  key_takeaways: string[];
  comment_count: number;
  comment_seq: number;
  /** ISO-8601 (to_json): the driver leaves timestamps as PostgreSQL's text */
  published_at: string;
  site_id: string | null;
  external_id: string | null;
  url: string | null;
  comments_closed: boolean;
}
interface ViewRow extends SummaryRow {
  body: string;
  follow_ups: ArticleView['followUps'];
}

const SUMMARY_COLUMNS = `a.id, a.slug, a.category, a.title, a.key_takeaways, ${tallyColumns('a')},
  a.comment_count, a.comment_seq, to_json(a.published_at) AS published_at,
  a.site_id, a.external_id, a.url, a.comments_closed`;

/** How a display read finds its article. */
export type ArticleKey = { id: string } | { slug: string } | { siteId: string; externalId: string };

/**
 * Articles. Reads for display are single plain statements (no query builder, no entity
 * hydration, no identity map: together ~3/4 of the article request's CPU when it went through
 * entities); writes go through the entity.
 */
export class ArticlesRepository extends EntityRepository<Article> {
  /** Newest first; `after` is the (publishedAt, id) of the last article already seen. */
  async listViews(
    limit: number,
    after?: { publishedAt: string; id: string },
  ): Promise<ArticleSummaryView[]> {
    const rows = await this.sql<SummaryRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM articles a
        ${after ? 'WHERE (a.published_at, a.id) < (?::timestamptz, ?::uuid)' : ''}
        ORDER BY a.published_at DESC, a.id DESC LIMIT ?`,
      [...(after ? [after.publishedAt, after.id] : []), limit],
    );
    return rows.map(summaryOf);
  }

  findWithFollowUps(where: { id: string } | { slug: string }): Promise<Article | null> {
    return this.findOne(where, { populate: ['followUps'] });
  }

  /** The article with its follow-ups in one statement, as plain data (the most frequent read). */
  async findView(key: ArticleKey): Promise<ArticleView | null> {
    const [where, params] =
      'id' in key
        ? ['a.id = ?', [key.id]]
        : 'slug' in key
          ? ['a.slug = ?', [key.slug]]
          : ['a.site_id = ? AND a.external_id = ?', [key.siteId, key.externalId]];
    const rows = await this.sql<ViewRow>(
      `SELECT ${SUMMARY_COLUMNS}, a.body,
              coalesce((SELECT json_agg(json_build_object('id', f.id, 'question', f.question,
                                                          'answer', f.answer) ORDER BY f.position)
                          FROM article_follow_ups f WHERE f.article_id = a.id), '[]') AS follow_ups
         FROM articles a
        WHERE ${where}`,
      params,
    );
    const row = rows[0];
    return row ? { ...summaryOf(row), body: row.body, followUps: row.follow_ups } : null;
  }

  /**
   * The caller's votes on one article. Read here, beside the article, because the article
   * page shows them; the votes feature owns writing them.
   */
  async myVotes(
    articleId: string,
    userId: string,
  ): Promise<Record<'interesting' | 'support', 'up' | 'down' | null>> {
    const rows = await this.sql<{ dimension: string; value: 'up' | 'down' }>(
      'SELECT dimension, value FROM votes WHERE article_id = ? AND user_id = ?',
      [articleId, userId],
    );
    const valueOf = (dimension: string): 'up' | 'down' | null =>
      rows.find((row) => row.dimension === dimension)?.value ?? null;
    return { interesting: valueOf('interesting'), support: valueOf('support') };
  }

  async slugTaken(slug: string): Promise<boolean> {
    return (await this.count({ slug })) > 0;
  }

  /**
   * Through the request's own context: the repository's EntityManager may be another app's
   * where several run in one process (tests), and `execute` uses its EntityManager's connection.
   */
  private sql<T extends object>(query: string, params: unknown[]): Promise<T[]> {
    return this.getEntityManager().getContext(false).execute<T[]>(query, params);
  }
}

function summaryOf(row: SummaryRow): ArticleSummaryView {
  return {
    id: row.id,
    slug: row.slug,
    category: row.category,
    title: row.title,
    keyTakeaways: row.key_takeaways,
    tallies: talliesOf(row),
    commentCount: row.comment_count,
    commentSeq: row.comment_seq,
    publishedAt: new Date(row.published_at),
    siteId: row.site_id,
    externalId: row.external_id,
    url: row.url,
    commentsClosed: row.comments_closed,
  };
}
