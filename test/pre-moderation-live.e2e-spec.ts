import request from 'supertest';
import type {
  Ack,
  CommentCreatedEvent,
  CommentPendingEvent,
  ServerToClientEvents,
  SubscribeResult,
} from '../src/realtime/contract';
import {
  bearer,
  createArticle,
  loginAdmin,
  postComment,
  registerUser,
  type TestUser,
  userWithRole,
} from './support/factories';
import { connect, nextEvent, record, subscribe, type TestSocket } from './support/socket-clients';
import { startTestApp, type TestApp } from './support/test-app';
import { until } from './support/until';

const DEFAULTS = {
  mode: 'post',
  bannedWords: [],
  suspectWords: [],
  editWindowSeconds: 900,
  holdLinks: false,
};
const EVERY_EVENT: (keyof ServerToClientEvents)[] = [
  'comment.created',
  'comment.updated',
  'comment.removed',
  'comment.pending',
  'report.created',
];

function accepted(ack: Ack<SubscribeResult>): SubscribeResult & { ok: true } {
  if (!ack.ok) throw new Error(`subscribe refused: ${JSON.stringify(ack.error)}`);
  return ack;
}

describe('pre-moderation live (two real socket clients)', () => {
  let t: TestApp;
  let admin: TestUser;
  let moderator: TestUser;
  let author: TestUser;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    t = await startTestApp({}, { listen: true });
    admin = await loginAdmin(t.http);
    moderator = await userWithRole(t.http, admin, 'moderator');
    author = await registerUser(t.http);
  });
  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    await t.close();
  });

  const open = async (token?: string): Promise<TestSocket> => {
    const socket = await connect(t.url, token);
    sockets.push(socket);
    return socket;
  };
  const setDefaults = (settings: object) =>
    request(t.http)
      .put('/api/settings/moderation')
      .set(...bearer(admin))
      .send({ ...DEFAULTS, ...settings })
      .expect(200);

  it('a held comment reaches moderators only; approval gives readers comment.created with the next seq', async () => {
    const articleId = await createArticle(t.http, admin);
    const moderatorSocket = await open(moderator.accessToken);
    const readerSocket = await open();
    const authorSocket = await open(author.accessToken);
    const start = accepted(await subscribe(readerSocket, { articleId }));
    accepted(await subscribe(moderatorSocket, { articleId }));
    accepted(await subscribe(authorSocket, { articleId }));
    const toReader = record(readerSocket, EVERY_EVENT);
    const toAuthor = record(authorSocket, EVERY_EVENT);

    await setDefaults({ mode: 'pre' });
    const pendingSeen = nextEvent(moderatorSocket, 'comment.pending');
    const held = (await postComment(t.http, author, articleId, 'hold me').expect(201)).body as {
      id: string;
      status: string;
    };
    expect(held.status).toBe('pending');
    const pending: CommentPendingEvent = await pendingSeen;
    expect(pending.comment).toMatchObject({ id: held.id, status: 'pending', body: 'hold me' });

    // a second one, rejected later: readers never hear of it
    const secondSeen = nextEvent(moderatorSocket, 'comment.pending');
    const doomed = (await postComment(t.http, author, articleId, 'reject me').expect(201)).body as {
      id: string;
    };
    await secondSeen;
    await setDefaults({});

    const created = nextEvent(readerSocket, 'comment.created');
    await request(t.http)
      .post(`/api/comments/${held.id}/approve`)
      .set(...bearer(moderator))
      .expect(200);
    const event: CommentCreatedEvent = await created;
    expect(event).toMatchObject({
      articleId,
      seq: start.seq + 1,
      comment: { id: held.id, status: 'visible', body: 'hold me', featured: false },
    });

    await request(t.http)
      .post(`/api/comments/${doomed.id}/reject`)
      .set(...bearer(moderator))
      .send({ reason: 'no' })
      .expect(200);
    // the next event readers get is the feature, seq + 2: nothing came in between
    const updated = nextEvent(readerSocket, 'comment.updated');
    await request(t.http)
      .post(`/api/comments/${held.id}/feature`)
      .set(...bearer(moderator))
      .expect(200);
    expect(await updated).toMatchObject({
      seq: start.seq + 2,
      comment: { id: held.id, featured: true },
    });
    expect(toReader.map((e) => [e.name, (e.payload as { seq: number }).seq])).toEqual([
      ['comment.created', start.seq + 1],
      ['comment.updated', start.seq + 2],
    ]);
    // the author's socket is a reader's too: no comment.pending for it. (Waiting on what its
    // recorder holds: a listener added now would miss an event that arrived with the reader's.)
    await until("the author's socket got the feature", () => toAuthor.length >= 2);
    expect(toAuthor.map((e) => e.name)).toEqual(['comment.created', 'comment.updated']);

    // a client that missed it all replays exactly those two, gap-free
    const late = await open();
    const replay = accepted(await subscribe(late, { articleId, since: start.seq }));
    expect(replay.seq).toBe(start.seq + 2);
    expect(replay.missed.map((e) => [e.type, e.seq])).toEqual([
      ['comment.created', start.seq + 1],
      ['comment.updated', start.seq + 2],
    ]);
    expect(replay.commentCount).toBe(start.commentCount + 1);
  });
});
