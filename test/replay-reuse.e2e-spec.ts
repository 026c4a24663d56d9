/**
 * Replays share work (FeedReads, ReplayPacer): an article's last replay read answers the
 * replays that follow it for REPLAY_REUSE_MS while its comments do not change, and replays are
 * sent a few per turn of the event loop. What a client receives must be what a read of its own
 * would give: the same events as a fresh read, a changed score or a new event never hidden
 * behind the kept read, acks gap-free and in order before any live event.
 */
import request from 'supertest';
import type { Ack, ReplayedEvent, SubscribeResult } from '../src/realtime/contract';
import { REPLAY_REUSE_MS } from '../src/realtime/feed/feed-reads';
import { bearer, createArticle, loginAdmin, postComment, registerUser } from './support/factories';
import type { TestUser } from './support/factories';
import { connect, nextEvent, subscribe, type TestSocket } from './support/socket-clients';
import { startTestApp, type TestApp } from './support/test-app';

const COMMENTS = 30;

/** A counter of GET /metrics, 0 when it has no sample yet. */
async function metric(t: TestApp, sample: string): Promise<number> {
  const res = await request(t.http).get('/metrics').expect(200);
  const line = res.text.split('\n').find((row) => row.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

const REPLAY_QUERIES = 'townhall_realtime_queries_total{query="replay"}';
const REUSED = 'townhall_replays_reused_total';

function missed(ack: Ack<SubscribeResult>): ReplayedEvent[] {
  if (!ack.ok || ack.resync) throw new Error(`not a replay: ${JSON.stringify(ack)}`);
  return ack.missed;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('replays sharing reads', () => {
  let t: TestApp;
  let admin: TestUser;
  let author: TestUser;
  let voter: TestUser;
  const sockets: TestSocket[] = [];
  const open = async (): Promise<TestSocket> => {
    const socket = await connect(t.url);
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    t = await startTestApp({}, { listen: true });
    admin = await loginAdmin(t.http);
    [author, voter] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(() => t?.close());

  /** An article with COMMENTS comments, once their events have reached a subscribed reader. */
  async function articleWithComments(): Promise<{ articleId: string; ids: string[] }> {
    const articleId = await createArticle(t.http, admin);
    const watcher = await open();
    expect((await subscribe(watcher, { articleId })).ok).toBe(true);
    const all = nextEvent(watcher, 'comment.created', (event) => event.seq === COMMENTS);
    const ids: string[] = [];
    for (let i = 0; i < COMMENTS; i++) {
      const res = await postComment(t.http, author, articleId, `comment ${i}`).expect(201);
      ids.push((res.body as { id: string }).id);
    }
    await all;
    return { articleId, ids };
  }

  it('answers a repeated replay from the kept read, identical to a fresh read', async () => {
    const { articleId } = await articleWithComments();
    const first = await open();
    const queriesBefore = await metric(t, REPLAY_QUERIES);
    const fresh = missed(await subscribe(first, { articleId, since: 0 }));
    expect(fresh.map((event) => event.seq)).toEqual(
      Array.from({ length: COMMENTS }, (_, i) => i + 1),
    );

    const reusedBefore = await metric(t, REUSED);
    const second = await open();
    const fromKept = missed(await subscribe(second, { articleId, since: 5 }));
    expect(fromKept).toEqual(fresh.slice(5));
    expect(await metric(t, REUSED)).toBe(reusedBefore + 1);
    expect(await metric(t, REPLAY_QUERIES)).toBe(queriesBefore + 1);

    // past REPLAY_REUSE_MS the article is read again, and that read shows the same
    await sleep(REPLAY_REUSE_MS + 100);
    const third = await open();
    expect(missed(await subscribe(third, { articleId, since: 0 }))).toEqual(fresh);
    expect(await metric(t, REPLAY_QUERIES)).toBe(queriesBefore + 2);
  });

  it('reads again after a score change or a new event: one client acts, another observes', async () => {
    const { articleId, ids } = await articleWithComments();
    const observer = await open();
    expect((await subscribe(observer, { articleId })).ok).toBe(true);
    const before = missed(await subscribe(await open(), { articleId, since: 0 }));
    const voted = before.find((event) => 'comment' in event && event.comment.id === ids[3]);
    expect(voted && 'comment' in voted && voted.comment.score).toEqual({ up: 0, down: 0 });

    // a vote: the observer sees the score live, and the next replay shows it too
    const scored = nextEvent(observer, 'comment.score', (event) => event.commentId === ids[3]);
    await request(t.http)
      .put(`/api/comments/${ids[3]}/vote`)
      .set(...bearer(voter))
      .send({ value: 'up' })
      .expect(200);
    expect((await scored).score).toEqual({ up: 1, down: 0 });
    const afterVote = missed(await subscribe(await open(), { articleId, since: 0 }));
    const revoted = afterVote.find((event) => 'comment' in event && event.comment.id === ids[3]);
    expect(revoted && 'comment' in revoted && revoted.comment.score).toEqual({ up: 1, down: 0 });

    // a removal: a new event; the next replay ends with it and shows the comment as a tombstone
    const removedLive = nextEvent(observer, 'comment.removed');
    await request(t.http)
      .post(`/api/comments/${ids[0]}/remove`)
      .set(...bearer(admin))
      .send({ reason: 'test' })
      .expect(200);
    const removal = await removedLive;
    expect(removal.seq).toBe(COMMENTS + 1);
    const afterRemoval = missed(await subscribe(await open(), { articleId, since: 0 }));
    expect(afterRemoval.map((event) => event.seq)).toEqual(
      Array.from({ length: COMMENTS + 1 }, (_, i) => i + 1),
    );
    const first = afterRemoval[0]!;
    expect('comment' in first && first.comment).toMatchObject({
      id: ids[0],
      status: 'removed',
      body: null,
      author: null,
    });
    expect(afterRemoval[COMMENTS]).toEqual({ type: 'comment.removed', ...removal });
  });

  it('sends many replays at once in full and in order, each before its live events', async () => {
    const { articleId } = await articleWithComments();
    const readers = await Promise.all(Array.from({ length: 40 }, () => open()));
    const timelines = readers.map(() => [] as number[]);
    readers.forEach((socket, i) =>
      socket.on('comment.created', (event) => timelines[i]!.push(event.seq)),
    );
    const acks = Promise.all(
      readers.map(
        (socket, i) =>
          new Promise<void>((resolve, reject) => {
            socket
              .timeout(10_000)
              .emit('subscribe', { articleId, since: i % 10 }, (error: Error | null, ack) => {
                if (error) return reject(error);
                // synchronously, as the ack packet is handled: before any later event
                timelines[i]!.push(...missed(ack).map((event) => event.seq));
                resolve();
              });
          }),
      ),
    );
    // comments posted while the replays are read and paced
    const posted = Promise.all(
      Array.from({ length: 5 }, (_, k) =>
        postComment(t.http, author, articleId, `during ${k}`).expect(201),
      ),
    );
    await Promise.all([acks, posted]);
    const last = COMMENTS + 5;
    for (let waited = 0; waited < 5_000; waited += 50) {
      if (timelines.every((seqs) => seqs.length >= last - 9)) break;
      await sleep(50);
    }
    await sleep(100);
    timelines.forEach((seqs, i) => {
      const since = i % 10;
      expect({ reader: i, seqs }).toEqual({
        reader: i,
        seqs: Array.from({ length: last - since }, (_, k) => since + k + 1),
      });
    });
  });
});
