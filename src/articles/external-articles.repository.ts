import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { CountsRead } from './counts-cache';
import { type Tallies, type TallyColumns, talliesOf, tallyColumns } from './tallies';

/** What a publisher sends for one of its articles; absent fields keep their stored values. */
export interface ExternalArticleInput {
  title: string;
  category: string;
  url?: string | null;
  body?: string;
  keyTakeaways?: string[];
  followUps?: { question: string; answer: string }[];
  publishedAt?: Date;
}

/** An article's counts, and where they stand (for live badges). */
export interface ArticleCounts {
  articleId: string;
  commentCount: number;
  /** The comment `seq` the count belongs to. */
  commentSeq: number;
  tallies: Tallies;
  talliesVersion: number;
}

/** A JSON array parameter as text[], in order (knex would expand a JS array into a list). */
const TEXT_ARRAY = `(SELECT coalesce(array_agg(t.value ORDER BY t.n), '{}')
                       FROM jsonb_array_elements_text(?::jsonb) WITH ORDINALITY AS t(value, n))`;

interface CountRow extends TallyColumns {
  site_id: string;
  id: string | null;
  external_id: string | null;
  comment_count: number;
  comment_seq: number;
  tallies_version: number;
}

/**
 * Articles that a publisher's site manages by its own id. The upsert is one statement on the
 * (site, external id) unique constraint, so concurrent PUTs of one id make one article.
 */
@Injectable()
export class ExternalArticlesRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Inserts or updates the article (inside the caller's transaction, which it leaves row-locked)
   * and replaces its follow-ups when given; its id, and whether it was created.
   */
  async upsert(
    siteId: string,
    externalId: string,
    slug: string,
    input: ExternalArticleInput,
  ): Promise<{ id: string; created: boolean }> {
    const rows = await this.em.execute<{ id: string; created: boolean }[]>(
      `INSERT INTO articles AS a (id, slug, category, title, body, key_takeaways, url, published_at,
                                  updated_at, site_id, external_id)
       VALUES (gen_random_uuid(), ?, ?, ?, coalesce(?, ''), ${TEXT_ARRAY}, ?,
               coalesce(?::timestamptz, now()), now(), ?, ?)
       ON CONFLICT (site_id, external_id) DO UPDATE SET
         title = excluded.title,
         category = excluded.category,
         body = CASE WHEN ?::boolean THEN excluded.body ELSE a.body END,
         key_takeaways = CASE WHEN ?::boolean THEN excluded.key_takeaways ELSE a.key_takeaways END,
         url = CASE WHEN ?::boolean THEN excluded.url ELSE a.url END,
         published_at = CASE WHEN ?::boolean THEN excluded.published_at ELSE a.published_at END,
         updated_at = now()
       RETURNING a.id, (xmax = 0) AS created`,
      [
        slug,
        input.category,
        input.title,
        input.body ?? null,
        JSON.stringify(input.keyTakeaways ?? []),
        input.url ?? null,
        input.publishedAt ?? null,
        siteId,
        externalId,
        input.body !== undefined,
        input.keyTakeaways !== undefined,
        input.url !== undefined,
        input.publishedAt !== undefined,
      ],
    );
    const { id, created } = rows[0]!;
    if (input.followUps !== undefined) await this.replaceFollowUps(id, input.followUps);
    return { id, created };
  }

  /** False when the site has no article with that id. */
  async delete(siteId: string, externalId: string): Promise<boolean> {
    const rows = await this.em.execute<unknown[]>(
      'DELETE FROM articles WHERE site_id = ? AND external_id = ? RETURNING 1',
      [siteId, externalId],
    );
    return rows.length > 0;
  }

  /**
   * The counts of those of `externalIds` the site has, in one statement; null when the site
   * itself does not exist.
   */
  async counts(siteId: string, externalIds: string[]): Promise<Map<string, ArticleCounts> | null> {
    const rows = await this.em.execute<CountRow[]>(
      `SELECT s.id AS site_id, a.id, a.external_id, a.comment_count, a.comment_seq, ${tallyColumns('a')},
              a.tallies_version
         FROM sites s
         LEFT JOIN articles a ON a.site_id = s.id
               AND a.external_id IN (SELECT jsonb_array_elements_text(?::jsonb))
        WHERE s.id = ?`,
      [JSON.stringify(externalIds), siteId],
    );
    if (rows.length === 0) return null;
    const counts = new Map<string, ArticleCounts>();
    for (const row of rows) {
      if (row.id === null || row.external_id === null) continue;
      counts.set(row.external_id, {
        articleId: row.id,
        commentCount: row.comment_count,
        commentSeq: row.comment_seq,
        tallies: talliesOf(row),
        talliesVersion: row.tallies_version,
      });
    }
    return counts;
  }

  /**
   * The `{counts}` answer of GET /api/sites/:id/counts as JSON text, built by PostgreSQL in
   * the same one statement (the HTTP path sends it as it is: no rows to map and serialise),
   * with the ids of the articles it covers (for CountsCache); null when the site does not exist.
   */
  async countsJson(siteId: string, externalIds: string[]): Promise<CountsRead | null> {
    const rows = await this.em.execute<{ body: string; article_ids: string[] }[]>(
      `WITH a AS (
         SELECT id, external_id, comment_count, ${tallyColumns()}
           FROM articles
          WHERE site_id = ? AND external_id IN (SELECT jsonb_array_elements_text(?::jsonb)))
       SELECT json_build_object('counts', COALESCE((
                SELECT json_object_agg(a.external_id, json_build_object(
                         'commentCount', a.comment_count,
                         'tallies', json_build_object(
                           'interesting', json_build_object('up', a.interesting_up, 'down', a.interesting_down),
                           'support', json_build_object('up', a.support_up, 'down', a.support_down))))
                  FROM a), '{}'::json))::text AS body,
              ARRAY(SELECT a.id FROM a) AS article_ids
         FROM sites s
        WHERE s.id = ?`,
      [siteId, JSON.stringify(externalIds), siteId],
    );
    const row = rows[0];
    return row ? { body: row.body, articleIds: row.article_ids } : null;
  }

  private async replaceFollowUps(
    articleId: string,
    followUps: { question: string; answer: string }[],
  ): Promise<void> {
    await this.em.execute('DELETE FROM article_follow_ups WHERE article_id = ?', [articleId]);
    if (followUps.length === 0) return;
    await this.em.execute(
      `INSERT INTO article_follow_ups (id, article_id, position, question, answer)
       SELECT gen_random_uuid(), ?, f.position - 1, f.value->>'question', f.value->>'answer'
         FROM jsonb_array_elements(?::jsonb) WITH ORDINALITY AS f(value, position)`,
      [articleId, JSON.stringify(followUps)],
    );
  }
}
