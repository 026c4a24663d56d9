/**
 * A visible comment is posted in one SQL statement (CommentsService.create →
 * CommentsRepository.insertVisible): these check that it stays exact under concurrency, that
 * the refused posts still get their errors, and that a post costs that one statement.
 */
import { Client } from 'pg';
import request from 'supertest';
import { ActivityDrainer } from '../src/activity/activity-drainer.service';
import type { CommentChangedEvent } from '../src/comments/comment.events';
import { DomainEventBus } from '../src/common/events/domain-event-bus';
import {
  bearer,
  createArticle,
  loginAdmin,
  postComment,
  registerUser,
  type TestUser,
  userWithRole,
} from './support/factories';
import { seededRandom } from './support/seeded-random';
import { startTestApp, type TestApp } from './support/test-app';
import { query } from './support/test-database';
import { until } from './support/until';

interface Comment {
  id: string;
  parentId: string | null;
  status: string;
  replyCount: number;
}

/** The drainer's batch in flight (private: read here only to wait for it). */
interface Idle {
  running: Promise<void> | null;
}

const random = seededRandom('comment-one-statement.e2e-spec');

describe('a comment in one statement', () => {
  let t: TestApp;
  let admin: TestUser;
  let moderator: TestUser;
  let users: TestUser[];
  const published: CommentChangedEvent[] = [];
  let unsubscribe: () => void = () => undefined;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t.http);
    moderator = await userWithRole(t.http, admin, 'moderator');
    users = await Promise.all(Array.from({ length: 8 }, () => registerUser(t.http)));
    unsubscribe = t.app.get(DomainEventBus).on('comment.changed', (event) => {
      published.push(event);
    });
  });
  afterAll(async () => {
    unsubscribe();
    await t.close();
  });

  const pick = <T>(items: T[]): T => items[random.int(0, items.length)]!;

  it('keeps seq 1..N, the counters and every reply count exact under random concurrent posts, replies and removals', async () => {
    const articleId = await createArticle(t.http, admin);
    const otherArticle = await createArticle(t.http, admin);
    const foreign = (await postComment(t.http, users[0]!, otherArticle, 'elsewhere').expect(201))
      .body as Comment;

    const known: string[] = [];
    const removed = new Set<string>();
    let created = 0;
    let removals = 0;
    for (let wave = 0; wave < 6; wave++) {
      // each wave: 30 posts at once, half of them replies to a random earlier comment (some
      // removed before, some being removed now), a reply to another article's comment, and
      // removals of two comments that replies of this wave may be racing
      type Plan = { kind: 'post'; parentId?: string } | { kind: 'remove'; id: string };
      const plans: Plan[] = Array.from({ length: 30 }, () =>
        known.length > 0 && random.next() < 0.5
          ? { kind: 'post', parentId: pick(known) }
          : { kind: 'post' },
      );
      plans.push({ kind: 'post', parentId: foreign.id });
      const removing = new Set<string>();
      for (let i = 0; i < 2 && known.length > 0; i++) {
        const id = pick(known);
        if (removed.has(id) || removing.has(id)) continue;
        removing.add(id);
        plans.push({ kind: 'remove', id });
        // replies to a comment while it is being removed: 201 before the removal, 409 after
        plans.push({ kind: 'post', parentId: id }, { kind: 'post', parentId: id });
      }
      const results = await Promise.all(
        plans.map((plan, i) =>
          plan.kind === 'remove'
            ? request(t.http)
                .post(`/api/comments/${plan.id}/remove`)
                .set(...bearer(moderator))
                .send({ reason: 'off topic' })
            : postComment(t.http, pick(users), articleId, `wave ${wave} post ${i}`, plan.parentId),
        ),
      );
      plans.forEach((plan, i) => {
        const res = results[i]!;
        if (plan.kind === 'remove') {
          expect({ remove: plan.id, status: res.status }).toEqual({ remove: plan.id, status: 200 });
          removals++;
          return;
        }
        const allowed =
          plan.parentId === foreign.id
            ? [400]
            : plan.parentId && removed.has(plan.parentId)
              ? [409]
              : plan.parentId && removing.has(plan.parentId)
                ? [201, 409]
                : [201];
        expect({ plan, status: allowed.includes(res.status) }).toEqual({ plan, status: true });
        if (res.status === 201) {
          const comment = res.body as Comment;
          expect(comment).toMatchObject({
            parentId: plan.parentId ?? null,
            status: 'visible',
            replyCount: 0,
          });
          known.push(comment.id);
          created++;
        }
      });
      for (const id of removing) removed.add(id);
    }
    expect(created).toBeGreaterThan(100);

    // the event log: 1..N without gaps or duplicates, one entry per acknowledged change
    const events = await query<{ seq: number; type: string; comment_id: string }>(
      t.database.url,
      `SELECT seq, type, comment_id::text AS comment_id FROM comment_events
        WHERE article_id = $1 ORDER BY seq`,
      [articleId],
    );
    expect(events.map((event) => event.seq)).toEqual(
      Array.from({ length: created + removals }, (_, i) => i + 1),
    );
    expect(events.filter((event) => event.type === 'comment.created')).toHaveLength(created);
    expect(events.filter((event) => event.type === 'comment.removed')).toHaveLength(removals);

    // created_at follows seq: each comment's time is read after the article row is locked
    const order = await query<{ id: string }>(
      t.database.url,
      `SELECT c.id::text AS id FROM comment_events e JOIN comments c ON c.id = e.comment_id
        WHERE e.article_id = $1 AND e.type = 'comment.created' ORDER BY c.created_at, e.seq`,
      [articleId],
    );
    expect(order.map((row) => row.id)).toEqual(
      events.filter((event) => event.type === 'comment.created').map((event) => event.comment_id),
    );

    // the counters equal their recounts
    const [article] = await query<{ comment_seq: number; comment_count: number; visible: number }>(
      t.database.url,
      `SELECT a.comment_seq, a.comment_count,
              (SELECT count(*)::int FROM comments c WHERE c.article_id = a.id AND c.status = 'visible') AS visible
         FROM articles a WHERE a.id = $1`,
      [articleId],
    );
    expect(article).toEqual({
      comment_seq: created + removals,
      comment_count: created - removals,
      visible: created - removals,
    });
    const drifted = await query<{ id: string; reply_count: number; replies: number }>(
      t.database.url,
      `SELECT c.id::text AS id, c.reply_count,
              (SELECT count(*)::int FROM comments r WHERE r.parent_id = c.id AND r.status = 'visible') AS replies
         FROM comments c WHERE c.article_id = $1`,
      [articleId],
    );
    expect(drifted).toHaveLength(created);
    expect(drifted.filter((row) => row.reply_count !== row.replies)).toEqual([]);
    expect(drifted.some((row) => row.replies > 1)).toBe(true);

    // one comment.created published per post, with the log's seq and the article's count then
    const mine = published.filter((event) => event.articleId === articleId);
    expect(mine.filter((event) => event.type === 'comment.created')).toHaveLength(created);
    const countAt: number[] = [];
    events.reduce((count, event) => {
      countAt[event.seq] = count + (event.type === 'comment.created' ? 1 : -1);
      return countAt[event.seq]!;
    }, 0);
    for (const event of mine) {
      const logged = events[event.seq - 1]!;
      const commentId = event.type === 'comment.removed' ? event.commentId : event.comment.id;
      expect({ seq: event.seq, type: event.type, commentId, count: event.commentCount }).toEqual({
        seq: logged.seq,
        type: logged.type,
        commentId: logged.comment_id,
        count: countAt[logged.seq],
      });
    }
    expect(mine.map((event) => event.seq).sort((x, y) => x - y)).toEqual(
      events.map((event) => event.seq),
    );
  });

  it('answers a refused post as before and writes nothing for it', async () => {
    const articleId = await createArticle(t.http, admin);
    const parent = (await postComment(t.http, users[0]!, articleId, 'parent').expect(201))
      .body as Comment;
    const gone = (await postComment(t.http, users[1]!, articleId, 'gone').expect(201))
      .body as Comment;
    await request(t.http)
      .post(`/api/comments/${gone.id}/remove`)
      .set(...bearer(moderator))
      .send({ reason: 'off topic' })
      .expect(200);
    const otherArticle = await createArticle(t.http, admin);
    const elsewhere = (await postComment(t.http, users[0]!, otherArticle, 'elsewhere').expect(201))
      .body as Comment;
    const before = await counters(articleId);

    const removedReply = await postComment(t.http, users[2]!, articleId, 'no', gone.id);
    expect([removedReply.status, removedReply.body]).toMatchObject([
      409,
      { message: 'cannot reply to a removed comment' },
    ]);
    const foreignReply = await postComment(t.http, users[2]!, articleId, 'no', elsewhere.id);
    expect([foreignReply.status, foreignReply.body]).toMatchObject([
      400,
      { message: 'parentId is not a comment of this article' },
    ]);
    const unknownParent = await postComment(
      t.http,
      users[2]!,
      articleId,
      'no',
      '00000000-0000-4000-8000-000000000000',
    );
    expect(unknownParent.status).toBe(400);
    const unknownArticle = await postComment(
      t.http,
      users[2]!,
      '00000000-0000-4000-8000-000000000000',
      'no',
    );
    expect(unknownArticle.status).toBe(404);
    expect(await counters(articleId)).toEqual(before);

    const reply = await postComment(t.http, users[2]!, articleId, 'yes', parent.id).expect(201);
    expect((reply.body as Comment).parentId).toBe(parent.id);
    expect(await counters(articleId)).toEqual({
      seq: before.seq + 1,
      count: before.count + 1,
      comments: before.comments + 1,
      parentReplies: before.parentReplies + 1,
    });

    async function counters(id: string): Promise<Record<string, number>> {
      const [row] = await query<Record<string, number>>(
        t.database.url,
        `SELECT a.comment_seq AS seq, a.comment_count AS count,
                (SELECT count(*)::int FROM comments c WHERE c.article_id = a.id) AS comments,
                (SELECT reply_count FROM comments WHERE id = $2) AS "parentReplies"
           FROM articles a WHERE a.id = $1`,
        [id, parent.id],
      );
      return row!;
    }
  });

  it('posts a visible comment and a reply with one statement each, no BEGIN or COMMIT', async () => {
    const articleId = await createArticle(t.http, admin);
    const author = users[3]!;
    // the outbox drainer, woken by every comment.changed, would add its own transaction; the
    // stream epoch's timer and the job queue's workers (pg-boss polls its pgboss.job table)
    // read on their own: none of them are the post's round trips
    const drainer = t.app.get(ActivityDrainer);
    const background = /stream_epoch|pg_control|pgboss\./;
    const statementsOf = async (run: () => Promise<unknown>): Promise<string[]> => {
      const seen: string[] = [];
      // every round trip of every pg client in this process
      const original = Client.prototype.query;
      const soon = drainer.soon.bind(drainer);
      drainer.soon = () => undefined;
      await until('the outbox drainer is idle', () => !(drainer as unknown as Idle).running);
      const counting = function (this: Client, ...args: unknown[]): unknown {
        const first = args[0] as string | { text?: string };
        seen.push((typeof first === 'string' ? first : (first.text ?? '')).trim());
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      };
      Client.prototype.query = counting as typeof Client.prototype.query;
      try {
        await run();
      } finally {
        Client.prototype.query = original;
        drainer.soon = soon;
      }
      return seen.filter((sql) => !background.test(sql));
    };
    // warm the caches (moderation settings, statements) first
    const first = (await postComment(t.http, author, articleId, 'warm').expect(201))
      .body as Comment;

    const top = await statementsOf(() =>
      postComment(t.http, author, articleId, 'top level').expect(201),
    );
    const reply = await statementsOf(() =>
      postComment(t.http, author, articleId, 'a reply', first.id).expect(201),
    );
    console.log(
      `round trips of a visible comment: ${top.length} (top level), ${reply.length} (reply):\n` +
        [...top, '--', ...reply]
          .map((sql) => `  ${sql.replace(/\s+/g, ' ').slice(0, 90)}`)
          .join('\n'),
    );
    for (const statements of [top, reply]) {
      expect(statements.filter((sql) => /^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT)/i.test(sql))).toEqual(
        [],
      );
      expect(statements.filter((sql) => /INSERT INTO comments/i.test(sql))).toHaveLength(1);
      expect(statements.filter((sql) => /^(WITH|INSERT|UPDATE|DELETE)/i.test(sql))).toHaveLength(1);
      // the caller came from the principal cache (BanCheckedInWrite): no SELECT of the user,
      // only the moderation policy's read and the statement (which checks the ban itself)
      expect(statements.filter((sql) => /^SELECT[\s\S]*FROM users/i.test(sql))).toEqual([]);
      expect(statements).toHaveLength(2);
    }
  });
});
