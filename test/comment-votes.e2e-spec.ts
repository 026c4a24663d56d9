import request from 'supertest';
import type { CommentScoreEvent } from '../src/realtime/contract';
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
import { connect, nextEvent, subscribe, type TestSocket } from './support/socket-clients';
import { startTestApp, type TestApp } from './support/test-app';
import { query } from './support/test-database';

interface CommentBody {
  id: string;
  status: string;
  score: { up: number; down: number };
  myVote?: 'up' | 'down' | null;
}

const random = seededRandom('comment-votes.e2e-spec');

describe('comment votes', () => {
  let t: TestApp;
  let admin: TestUser;
  let moderator: TestUser;
  let author: TestUser;
  let voters: TestUser[];
  let articleId: string;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    t = await startTestApp({}, { listen: true });
    admin = await loginAdmin(t.http);
    moderator = await userWithRole(t.http, admin, 'moderator');
    author = await registerUser(t.http);
    voters = await Promise.all(Array.from({ length: 12 }, () => registerUser(t.http)));
    articleId = await createArticle(t.http, admin);
  });
  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    await t.close();
  });

  const post = async (user: TestUser, body = 'a comment'): Promise<CommentBody> =>
    (await postComment(t.http, user, articleId, body).expect(201)).body as CommentBody;
  const vote = (user: TestUser | null, id: string, value: unknown): request.Test => {
    const call = request(t.http).put(`/api/comments/${id}/vote`);
    return (user ? call.set(...bearer(user)) : call).send({ value });
  };
  const retract = (user: TestUser, id: string): request.Test =>
    request(t.http)
      .delete(`/api/comments/${id}/vote`)
      .set(...bearer(user));
  const list = async (as: TestUser | null, params = ''): Promise<CommentBody[]> => {
    const call = request(t.http).get(`/api/articles/${articleId}/comments${params}`);
    return (
      (await (as ? call.set(...bearer(as)) : call).expect(200)).body as { items: CommentBody[] }
    ).items;
  };

  it('one vote per user: repeat changes nothing, a change moves it, DELETE retracts it', async () => {
    const comment = await post(author);
    const [alice, bob] = voters as [TestUser, TestUser];
    expect((await vote(alice, comment.id, 'up').expect(200)).body).toEqual({
      score: { up: 1, down: 0 },
      myVote: 'up',
    });
    expect((await vote(alice, comment.id, 'up').expect(200)).body).toEqual({
      score: { up: 1, down: 0 },
      myVote: 'up',
    });
    expect((await vote(bob, comment.id, 'down').expect(200)).body).toEqual({
      score: { up: 1, down: 1 },
      myVote: 'down',
    });
    expect((await vote(alice, comment.id, 'down').expect(200)).body).toEqual({
      score: { up: 0, down: 2 },
      myVote: 'down',
    });
    expect((await retract(bob, comment.id).expect(200)).body).toEqual({
      score: { up: 0, down: 1 },
      myVote: null,
    });
    expect((await retract(bob, comment.id).expect(200)).body).toEqual({
      score: { up: 0, down: 1 },
      myVote: null,
    });

    const seen = await list(alice);
    expect(seen.find((c) => c.id === comment.id)).toMatchObject({
      score: { up: 0, down: 1 },
      myVote: 'down',
    });
    expect((await list(bob)).find((c) => c.id === comment.id)!.myVote).toBeNull();
    expect((await list(null)).find((c) => c.id === comment.id)!.myVote).toBeUndefined();
  });

  it('refuses its author (403), no token (401), bad values (400), unknown and held comments (404), tombstones (409), banned users (403)', async () => {
    const comment = await post(author);
    const voter = voters[2]!;
    await vote(author, comment.id, 'up').expect(403);
    await vote(null, comment.id, 'up').expect(401);
    for (const value of ['sideways', null, 1, undefined])
      await vote(voter, comment.id, value).expect(400);
    await request(t.http)
      .put(`/api/comments/${comment.id}/vote`)
      .set(...bearer(voter))
      .send({ value: 'up', extra: true })
      .expect(400);
    await vote(voter, 'nope', 'up').expect(400);
    await vote(voter, '00000000-0000-4000-8000-000000000000', 'up').expect(404);

    await request(t.http)
      .put('/api/settings/moderation')
      .set(...bearer(admin))
      .send({
        mode: 'pre',
        bannedWords: [],
        suspectWords: [],
        editWindowSeconds: 900,
        holdLinks: false,
      })
      .expect(200);
    const held = await post(author, 'held');
    await request(t.http)
      .put('/api/settings/moderation')
      .set(...bearer(admin))
      .send({
        mode: 'post',
        bannedWords: [],
        suspectWords: [],
        editWindowSeconds: 900,
        holdLinks: false,
      })
      .expect(200);
    expect(held.status).toBe('pending');
    await vote(voter, held.id, 'up').expect(404);

    await request(t.http)
      .post(`/api/comments/${comment.id}/remove`)
      .set(...bearer(moderator))
      .send({ reason: 'gone' })
      .expect(200);
    await vote(voter, comment.id, 'up').expect(409);

    const banned = voters[3]!;
    const other = await post(author);
    await request(t.http)
      .post(`/api/users/${banned.id}/ban`)
      .set(...bearer(moderator))
      .send({ reason: 'spam' })
      .expect(200);
    await vote(banned, other.id, 'up').expect(403);

    const [row] = await query<{ votes: number; up: number; down: number }>(
      t.database.url,
      `SELECT (SELECT count(*)::int FROM comment_votes WHERE comment_id IN ($1, $2, $3)) AS votes,
              sum(score_up)::int AS up, sum(score_down)::int AS down
         FROM comments WHERE id IN ($1, $2, $3)`,
      [comment.id, held.id, other.id],
    );
    expect(row).toEqual({ votes: 0, up: 0, down: 0 });
  });

  it('sort=top orders by up − down, ties newest first, across pages', async () => {
    const fresh = await createArticle(t.http, admin);
    const make = async (body: string) =>
      ((await postComment(t.http, author, fresh, body).expect(201)).body as CommentBody).id;
    const a = await make('a');
    const b = await make('b');
    const c = await make('c');
    const d = await make('d');
    // a: +2, b: -1, c: +2 (newer than a), d: 0
    for (const voter of voters.slice(0, 2)) {
      await vote(voter, a, 'up').expect(200);
      await vote(voter, c, 'up').expect(200);
    }
    await vote(voters[4]!, b, 'down').expect(200);
    const expected = [c, a, d, b];
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await request(t.http)
        .get(`/api/articles/${fresh}/comments?sort=top&limit=1${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      const page = res.body as { items: CommentBody[]; nextCursor: string | null };
      walked.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor !== null && walked.length < 10);
    expect(walked).toEqual(expected);
  });

  it('scores always equal the stored votes under concurrent votes (recount)', async () => {
    const comments = [await post(author, 'hot'), await post(author, 'warm')];
    const operations = Array.from({ length: 300 }, () => {
      const voter = voters[random.int(0, voters.length)]!;
      const comment = comments[random.int(0, comments.length)]!;
      const roll = random.int(0, 3);
      return roll === 2
        ? retract(voter, comment.id)
        : vote(voter, comment.id, roll === 0 ? 'up' : 'down');
    });
    const statuses = await Promise.all(operations.map((op) => op.then((res) => res.status)));
    // banned voters[3] is refused; every other vote is answered 200
    expect(statuses.every((status) => status === 200 || status === 403)).toBe(true);
    const rows = await query<{
      id: string;
      score_up: number;
      score_down: number;
      up: number;
      down: number;
    }>(
      t.database.url,
      `SELECT c.id, c.score_up, c.score_down,
              count(v.*) FILTER (WHERE v.value = 'up')::int AS up,
              count(v.*) FILTER (WHERE v.value = 'down')::int AS down
         FROM comments c LEFT JOIN comment_votes v ON v.comment_id = c.id
        WHERE c.article_id = $1
        GROUP BY c.id`,
      [articleId],
    );
    for (const row of rows) {
      expect([row.score_up, row.score_down]).toEqual([row.up, row.down]);
    }
  });

  it('comment.score reaches another client, absolute and coalesced', async () => {
    const comment = await post(author, 'live');
    const observer = await connect(t.url);
    sockets.push(observer);
    const ack = await subscribe(observer, { articleId });
    expect(ack.ok).toBe(true);
    const scores: CommentScoreEvent[] = [];
    observer.on('comment.score', (event) => scores.push(event));

    const first = nextEvent(observer, 'comment.score', (e) => e.commentId === comment.id);
    await vote(voters[0]!, comment.id, 'up').expect(200);
    expect(await first).toEqual({ articleId, commentId: comment.id, score: { up: 1, down: 0 } });

    const burst = voters.filter((_, i) => i !== 3);
    const final = nextEvent(
      observer,
      'comment.score',
      (e) => e.commentId === comment.id && e.score.up === burst.length,
    );
    await Promise.all(burst.map((voter) => vote(voter, comment.id, 'up').expect(200)));
    await final;
    const ours = scores.filter((e) => e.commentId === comment.id);
    // at most one per change (the unit spec of ScoreThrottles shows the coalescing), each
    // absolute, never going back, the last one the final score
    expect(ours.length).toBeLessThanOrEqual(burst.length + 1);
    expect(ours.at(-1)!.score).toEqual({ up: burst.length, down: 0 });
    for (let i = 1; i < ours.length; i++) {
      expect(ours[i]!.score.up).toBeGreaterThanOrEqual(ours[i - 1]!.score.up);
    }
  });
});
