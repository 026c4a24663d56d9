import request from 'supertest';
import {
  bearer,
  createArticle,
  loginAdmin,
  postComment,
  registerUser,
  type TestUser,
  userWithRole,
} from './support/factories';
import { connect, nextEvent, record, type TestSocket } from './support/socket-clients';
import { startTestApp, type TestApp } from './support/test-app';
import { until } from './support/until';

interface Notification {
  id: string;
  type: string;
  articleId: string;
  comment: { id: string; body: string | null; status: string };
  readAt: string | null;
}

describe('notifications: inbox and live notification events', () => {
  let t: TestApp;
  let admin: TestUser;
  let articleId: string;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    t = await startTestApp({}, { listen: true });
    admin = await loginAdmin(t.http);
    articleId = await createArticle(t.http, admin);
  });

  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    await t.close();
  });

  const open = async (user: TestUser): Promise<TestSocket> => {
    const socket = await connect(t.url, user.accessToken);
    sockets.push(socket);
    return socket;
  };
  const inbox = async (user: TestUser, query = ''): Promise<Notification[]> =>
    (
      await request(t.http)
        .get(`/api/notifications${query}`)
        .set(...bearer(user))
        .expect(200)
    ).body.items as Notification[];
  const unread = async (user: TestUser): Promise<number> =>
    (
      await request(t.http)
        .get('/api/notifications/unread-count')
        .set(...bearer(user))
        .expect(200)
    ).body.count as number;
  const post = async (user: TestUser, body: string, parentId?: string): Promise<string> =>
    (
      (await postComment(t.http, user, articleId, body, parentId).expect(201)).body as {
        id: string;
      }
    ).id;

  it('a reply reaches every socket of the parent author, unsubscribed, and the inbox', async () => {
    const alice = await registerUser(t.http);
    const bob = await registerUser(t.http);
    const [aliceOne, aliceTwo, bobSocket] = [await open(alice), await open(alice), await open(bob)];
    const bobSaw = record(bobSocket, ['notification']);
    const parent = await post(alice, 'the parent');

    const seenOne = nextEvent(aliceOne, 'notification');
    const seenTwo = nextEvent(aliceTwo, 'notification');
    const reply = await post(bob, 'a reply', parent);
    const [one, two] = await Promise.all([seenOne, seenTwo]);
    expect(one.notification).toMatchObject({
      type: 'reply',
      articleId,
      comment: { id: reply, body: 'a reply' },
      readAt: null,
    });
    expect(two.notification.id).toBe(one.notification.id);

    const items = await inbox(alice);
    expect(items.map((n) => n.id)).toEqual([one.notification.id]);
    expect(await unread(alice)).toBe(1);
    expect(bobSaw).toEqual([]);
    expect(await inbox(bob)).toEqual([]);
  });

  it('a reply to oneself notifies nobody; mark read one, then all; the unread filter', async () => {
    const alice = await registerUser(t.http);
    const carol = await registerUser(t.http);
    const aliceSocket = await open(alice);
    const parent = await post(alice, 'mine');
    await post(alice, 'replying to myself', parent);
    const first = nextEvent(aliceSocket, 'notification');
    await post(carol, 'first reply', parent);
    await first;
    const second = nextEvent(aliceSocket, 'notification');
    await post(carol, 'second reply', parent);
    await second;

    const items = await inbox(alice);
    expect(items.map((n) => n.comment.body)).toEqual(['second reply', 'first reply']);
    expect(await unread(alice)).toBe(2);

    await request(t.http)
      .post('/api/notifications/read')
      .set(...bearer(alice))
      .send({ ids: [items[1]!.id] })
      .expect(204);
    expect(await unread(alice)).toBe(1);
    expect((await inbox(alice, '?unread=true')).map((n) => n.id)).toEqual([items[0]!.id]);
    // another user's ids change nothing of theirs
    await request(t.http)
      .post('/api/notifications/read')
      .set(...bearer(carol))
      .send({ ids: [items[0]!.id] })
      .expect(204);
    expect(await unread(alice)).toBe(1);

    await request(t.http)
      .post('/api/notifications/read')
      .set(...bearer(alice))
      .send({})
      .expect(204);
    expect(await unread(alice)).toBe(0);
    expect(await inbox(alice, '?unread=true')).toEqual([]);
    expect(await inbox(alice, '?limit=1')).toHaveLength(1);
  });

  it('a removal by a moderator notifies the author, with the body as the author wrote it', async () => {
    const moderator = await userWithRole(t.http, admin, 'moderator');
    const alice = await registerUser(t.http);
    const aliceSocket = await open(alice);
    const mine = await post(alice, 'soon removed');
    const seen = nextEvent(aliceSocket, 'notification');
    await request(t.http)
      .post(`/api/comments/${mine}/remove`)
      .set(...bearer(moderator))
      .send({ reason: 'off topic' })
      .expect(200);
    const { notification } = await seen;
    expect(notification).toMatchObject({
      type: 'comment.removed',
      comment: { id: mine, body: 'soon removed', status: 'removed' },
    });
  });

  it("pre-moderation: approval, rejection and feature notify the author; a held reply notifies its parent's author only once approved", async () => {
    const moderator = await userWithRole(t.http, admin, 'moderator');
    const settings = (mode: string) =>
      request(t.http)
        .put('/api/settings/moderation')
        .set(...bearer(admin))
        .send({ mode, bannedWords: [], suspectWords: [], editWindowSeconds: 900, holdLinks: false })
        .expect(200);
    const act = (id: string, action: string, body: object = {}) =>
      request(t.http)
        .post(`/api/comments/${id}/${action}`)
        .set(...bearer(moderator))
        .send(body)
        .expect(200);
    const alice = await registerUser(t.http);
    const bob = await registerUser(t.http);
    const [aliceSocket, bobSocket] = [await open(alice), await open(bob)];
    const toAlice = record(aliceSocket, ['notification']);
    const toBob = record(bobSocket, ['notification']);
    const types = (seen: { payload: unknown }[]) =>
      seen.map((e) => (e.payload as { notification: Notification }).notification.type);
    await settings('pre');
    try {
      const parent = await post(alice, 'held at first');
      await act(parent, 'approve');
      await until('alice is told of the approval', () => toAlice.length === 1);

      // bob's reply is held: alice hears of it only when a moderator approves it
      const reply = await post(bob, 'a held reply', parent);
      const doomed = await post(bob, 'a reply that is rejected', parent);
      await act(doomed, 'reject', { reason: 'not civil' });
      await until('bob is told of the rejection', () => toBob.length === 1);
      expect(types(toAlice)).toEqual(['comment.approved']);
      await act(reply, 'approve');
      await until(
        'alice is told of the reply, bob of the approval',
        () => toAlice.length === 2 && toBob.length === 2,
      );
      await act(parent, 'feature');
      await until('alice is told of the feature', () => toAlice.length === 3);

      expect(types(toAlice)).toEqual(['comment.approved', 'reply', 'comment.featured']);
      expect(types(toBob)).toEqual(['comment.rejected', 'comment.approved']);
      // and the inboxes in PostgreSQL say the same, newest first, with the comments as stored
      const alices = await inbox(alice);
      expect(alices.map((n) => [n.type, n.comment.id])).toEqual([
        ['comment.featured', parent],
        ['reply', reply],
        ['comment.approved', parent],
      ]);
      expect(alices[1]!.comment).toMatchObject({ body: 'a held reply', status: 'visible' });
      const bobs = await inbox(bob);
      expect(bobs.map((n) => [n.type, n.comment.id])).toEqual([
        ['comment.approved', reply],
        ['comment.rejected', doomed],
      ]);
      expect(bobs[1]!.comment).toMatchObject({
        body: 'a reply that is rejected',
        status: 'rejected',
      });
      expect(await unread(alice)).toBe(3);
    } finally {
      await settings('post');
    }
  });

  it('bad input is a 400 and needs a login', async () => {
    const alice = await registerUser(t.http);
    for (const query of ['?unread=maybe', '?limit=0', '?cursor=nope']) {
      await request(t.http)
        .get(`/api/notifications${query}`)
        .set(...bearer(alice))
        .expect(400);
    }
    for (const body of [{ ids: ['not-a-uuid'] }, { ids: 'all' }, { other: true }]) {
      await request(t.http)
        .post('/api/notifications/read')
        .set(...bearer(alice))
        .send(body)
        .expect(400);
    }
    await request(t.http).get('/api/notifications').expect(401);
    await request(t.http).get('/api/notifications/unread-count').expect(401);
    await request(t.http).post('/api/notifications/read').send({}).expect(401);
  });
});
