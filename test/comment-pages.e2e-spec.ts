import request from 'supertest';
import {
  type CommentKey,
  commentPageQuery,
  type CommentSort,
} from '../src/comments/comments.repository';
import {
  createArticle,
  loginAdmin,
  postComment,
  registerUser,
  type TestUser,
} from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';
import { query } from './support/test-database';

/**
 * A page of comments costs its limit, however many comments the article has: PostgreSQL's own
 * EXPLAIN ANALYZE of the statement the repository runs shows no sort and at most `limit + 1`
 * comment rows read, before and after the table has statistics. (Before the partial
 * `comments_top_level_*` indexes, every top-level page read and sorted all of them: the soak's
 * comment-list latency grew with the article.)
 */

const TOP_LEVEL = 300;
const REPLIES = 60;
const LIMIT = 20;
const SORTS: CommentSort[] = ['newest', 'oldest', 'top'];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  Plans?: PlanNode[];
}

interface Page {
  items: {
    id: string;
    replyCount: number;
    createdAt: string;
    score: { up: number; down: number };
  }[];
  nextCursor: string | null;
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe('comment pages (e2e, PostgreSQL plans)', () => {
  let t: TestApp;
  let articleId: string;
  let busyParent: string;

  beforeAll(async () => {
    t = await startTestApp();
    const admin = await loginAdmin(t.http);
    articleId = await createArticle(t.http, admin);
    const writers: TestUser[] = [];
    for (let i = 0; i < 3; i++) writers.push(await registerUser(t.http));
    const ids: string[] = [];
    for (let start = 0; start < TOP_LEVEL; start += 30) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(30, TOP_LEVEL - start) }, (_, k) =>
          postComment(t.http, writers[k % 3]!, articleId, `top-level ${start + k}`).expect(201),
        ),
      );
      ids.push(...batch.map((res) => (res.body as { id: string }).id));
    }
    busyParent = ids[0]!;
    // replies: many under one comment, one each under a few others (so `top` has an order)
    for (let start = 0; start < REPLIES; start += 30) {
      await Promise.all(
        Array.from({ length: 30 }, (_, k) =>
          postComment(t.http, writers[k % 3]!, articleId, `reply ${start + k}`, busyParent).expect(
            201,
          ),
        ),
      );
    }
    await Promise.all(
      ids
        .slice(1, 11)
        .map((parent) =>
          postComment(t.http, writers[0]!, articleId, 'a reply', parent).expect(201),
        ),
    );
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  async function walk(sort: CommentSort, parentId?: string): Promise<Page['items']> {
    const items: Page['items'] = [];
    let cursor: string | null = null;
    do {
      const res = await request(t.http)
        .get(`/api/articles/${articleId}/comments`)
        .query({
          sort,
          limit: LIMIT,
          ...(parentId ? { parentId } : {}),
          ...(cursor ? { cursor } : {}),
        })
        .expect(200);
      const page = res.body as Page;
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }

  /** EXPLAIN ANALYZE of the repository's statement for that page. */
  async function plan(
    sort: CommentSort,
    parentId: string | null,
    after?: CommentKey,
  ): Promise<PlanNode[]> {
    const { sql, params } = commentPageQuery(articleId, parentId, sort, LIMIT + 1, after);
    let n = 0;
    const rows = await query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
      t.database.url,
      `EXPLAIN (ANALYZE, FORMAT JSON) ${sql.replace(/\?/g, () => `$${++n}`)}`,
      params,
    );
    return nodes(rows[0]!['QUERY PLAN'][0]!.Plan);
  }

  function expectPageCost(plan: PlanNode[]): void {
    expect(plan.map((node) => node['Node Type'])).not.toContain('Sort');
    expect(plan.map((node) => node['Node Type'])).not.toContain('Incremental Sort');
    const read = plan
      .filter((node) => node['Relation Name'] === 'comments')
      .reduce((sum, node) => sum + node['Actual Rows'] * node['Actual Loops'], 0);
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThanOrEqual(LIMIT + 1);
  }

  it('pages walk every comment once, in each sort order', async () => {
    for (const sort of SORTS) {
      const items = await walk(sort);
      expect(items).toHaveLength(TOP_LEVEL);
      expect(new Set(items.map((item) => item.id)).size).toBe(TOP_LEVEL);
      // createdAt has milliseconds, the order microseconds: compare (score, createdAt) loosely
      for (let i = 1; i < items.length; i++) {
        const [a, b] = [items[i - 1]!, items[i]!];
        const cmp =
          (sort === 'top' ? a.score.up - a.score.down - (b.score.up - b.score.down) : 0) ||
          a.createdAt.localeCompare(b.createdAt);
        if (sort === 'oldest') expect(cmp).toBeLessThanOrEqual(0);
        else expect(cmp).toBeGreaterThanOrEqual(0);
      }
    }
    const replies = await walk('newest', busyParent);
    expect(replies).toHaveLength(REPLIES);
  });

  /** The key of the row halfway down the sort's order, straight from the table. */
  async function middle(sort: CommentSort, parentId: string | null): Promise<CommentKey> {
    const order = {
      newest: 'created_at DESC, id DESC',
      oldest: 'created_at ASC, id ASC',
      top: '(score_up - score_down) DESC, created_at DESC, id DESC',
    }[sort];
    const [row] = await query<{ id: string; score: number; created_key: string }>(
      t.database.url,
      `SELECT id, score_up - score_down AS score,
              to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_key
         FROM comments
        WHERE article_id = $1 AND parent_id IS NOT DISTINCT FROM $2
        ORDER BY ${order}
        OFFSET (SELECT count(*) / 2 FROM comments
                 WHERE article_id = $1 AND parent_id IS NOT DISTINCT FROM $2)
        LIMIT 1`,
      [articleId, parentId],
    );
    return { id: row!.id, score: row!.score, createdKey: row!.created_key };
  }

  async function expectEveryPageToCostItsLimit(): Promise<void> {
    for (const sort of SORTS) {
      for (const parentId of [null, busyParent]) {
        expectPageCost(await plan(sort, parentId));
        expectPageCost(await plan(sort, parentId, await middle(sort, parentId)));
      }
    }
  }

  it('a page reads at most limit + 1 comments and sorts nothing (no statistics yet)', async () => {
    await expectEveryPageToCostItsLimit();
  });

  it('a page reads at most limit + 1 comments and sorts nothing (40× the comments, analyzed)', async () => {
    // copies of every comment of the article, older than the originals (the counters are not
    // kept: only the plans are looked at from here on)
    await query(
      t.database.url,
      `INSERT INTO comments (id, article_id, parent_id, author_id, body, status, reply_count, created_at)
       SELECT gen_random_uuid(), article_id, parent_id, author_id, body, status, reply_count,
              created_at - g * interval '1 second'
         FROM comments, generate_series(1, 40) AS g
        WHERE article_id = $1`,
      [articleId],
    );
    await query(t.database.url, 'ANALYZE comments');
    const [{ count } = { count: 0 }] = await query<{ count: number }>(
      t.database.url,
      'SELECT count(*)::int AS count FROM comments WHERE article_id = $1 AND parent_id IS NULL',
      [articleId],
    );
    expect(count).toBe(TOP_LEVEL * 41);
    await expectEveryPageToCostItsLimit();
  });
});
