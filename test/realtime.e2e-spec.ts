import { isDeepStrictEqual } from 'node:util';
import { sign } from 'jsonwebtoken';
import type { Socket } from 'socket.io-client';
import request from 'supertest';
import type {
  Ack,
  CommentCreatedEvent,
  CommentPayload,
  CommentRemovedEvent,
  PresenceEvent,
  ReplayedEvent,
  ReportCreatedEvent,
  ServerToClientEvents,
  SubscribeResult,
  Tallies,
  TallyEvent,
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
import { seededRandom } from './support/seeded-random';
import { connect, nextEvent, subscribe, type TestSocket } from './support/socket-clients';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app';
import { query } from './support/test-database';

type CommentEventName = 'comment.created' | 'comment.updated' | 'comment.removed';
const COMMENT_EVENTS: CommentEventName[] = [
  'comment.created',
  'comment.updated',
  'comment.removed',
];
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const ZERO: Tallies = { interesting: { up: 0, down: 0 }, support: { up: 0, down: 0 } };
/** How long a socket must stay quiet before we say an event did not reach it. */
const QUIET_MS = 300;
/** When the replay-under-load joiners subscribe (seeded: a failing plan can be replayed). */
const random = seededRandom('realtime.e2e-spec');

interface Seen {
  name: keyof ServerToClientEvents;
  payload: unknown;
  at: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The ack's result when the server accepted; fails the test with the error otherwise. */
function accepted(ack: Ack<SubscribeResult>): SubscribeResult & { ok: true } {
  if (!ack.ok) throw new Error(`subscribe refused: ${JSON.stringify(ack.error)}`);
  return ack;
}

/** Every event of the given names from now on, with its arrival time; `stop` detaches. */
function listen(
  socket: TestSocket,
  names: (keyof ServerToClientEvents)[],
): { seen: Seen[]; stop(): void } {
  const seen: Seen[] = [];
  const handlers = names.map((name) => {
    const handler = (payload: unknown): void => {
      seen.push({ name, payload, at: Date.now() });
    };
    socket.on(name, handler as never);
    return [name, handler] as const;
  });
  return {
    seen,
    stop: () => handlers.forEach(([name, handler]) => socket.off(name, handler as never)),
  };
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

function seqOf(event: unknown): number {
  return (event as { seq: number }).seq;
}

/** Sends a raw (possibly malformed) payload and returns the ack. */
function emitRaw(socket: TestSocket, event: string, payload: unknown): Promise<unknown> {
  return (socket as unknown as Socket).timeout(5_000).emitWithAck(event, payload);
}

function disconnected(socket: TestSocket): Promise<string> {
  return new Promise((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
}

/** An access token built as anyone with jsonwebtoken could build it. */
function accessToken(
  sub: string,
  claims: { iat: number; exp: number },
  secret = TEST_JWT_SECRET,
): string {
  return sign({ sub, ...claims }, secret, {
    algorithm: 'HS256',
    issuer: 'townhall',
    audience: 'townhall',
  });
}

describe('realtime (Socket.IO)', () => {
  let t: TestApp;
  let admin: TestUser;
  let moderator: TestUser;
  /** Registered once, used as authors, reporters, writers and voters. */
  let users: TestUser[];
  const sockets: TestSocket[] = [];

  async function open(
    token?: string,
    options: { origin?: string; transports?: ('websocket' | 'polling')[] } = {},
  ): Promise<TestSocket> {
    const socket = await connect(t.url, token, options);
    sockets.push(socket);
    return socket;
  }

  function newArticle(): Promise<string> {
    return createArticle(t.http, admin);
  }

  async function post(user: TestUser, articleId: string, body: string): Promise<CommentPayload> {
    const res = await postComment(t.http, user, articleId, body).expect(201);
    return res.body as CommentPayload;
  }

  async function report(user: TestUser, commentId: string): Promise<void> {
    await request(t.http)
      .post(`/api/comments/${commentId}/reports`)
      .set(...bearer(user))
      .send({ reason: 'spam' })
      .expect(201);
  }

  async function setRole(user: TestUser, role: 'reader' | 'moderator'): Promise<void> {
    await request(t.http)
      .patch(`/api/users/${user.id}`)
      .set(...bearer(admin))
      .send({ role })
      .expect(200);
  }

  beforeAll(async () => {
    t = await startTestApp({}, { listen: true });
    admin = await loginAdmin(t.http);
    [moderator, ...users] = await Promise.all([
      userWithRole(t.http, admin, 'moderator'),
      ...Array.from({ length: 50 }, () => registerUser(t.http)),
    ]);
  });

  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    await t?.close();
  });

  describe('contract', () => {
    it('acks a subscribe with the article state and counts the readers', async () => {
      const articleId = await newArticle();
      await post(users[0], articleId, 'first');
      await post(users[1], articleId, 'second');
      await request(t.http)
        .put(`/api/articles/${articleId}/votes/interesting`)
        .set(...bearer(users[0]))
        .send({ value: 'up' })
        .expect(200);
      const first = await open();
      const second = await open(users[2].accessToken);

      expect(await subscribe(first, { articleId })).toEqual({
        ok: true,
        seq: 2,
        epoch: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
        tallies: { interesting: { up: 1, down: 0 }, support: { up: 0, down: 0 } },
        version: 1,
        commentCount: 2,
        readers: 1,
        missed: [],
      });
      expect(await subscribe(second, { articleId })).toEqual({
        ok: true,
        seq: 2,
        epoch: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
        tallies: { interesting: { up: 1, down: 0 }, support: { up: 0, down: 0 } },
        version: 1,
        commentCount: 2,
        readers: 2,
        missed: [],
      });
    });

    it('acks an unsubscribe and sends that socket nothing more for the article', async () => {
      const articleId = await newArticle();
      const leaving = await open();
      const staying = await open();
      accepted(await subscribe(leaving, { articleId }));
      accepted(await subscribe(staying, { articleId }));

      expect(await leaving.timeout(5_000).emitWithAck('unsubscribe', { articleId })).toEqual({
        ok: true,
      });
      const afterLeaving = listen(leaving, [...COMMENT_EVENTS, 'tally']);
      const seen = nextEvent(staying, 'comment.created');
      const tally = nextEvent(staying, 'tally');
      const comment = await post(users[0], articleId, 'after the unsubscribe');
      await request(t.http)
        .put(`/api/articles/${articleId}/votes/support`)
        .set(...bearer(users[0]))
        .send({ value: 'up' })
        .expect(200);
      expect(await seen).toEqual({ articleId, seq: 1, comment });
      await tally;
      await sleep(QUIET_MS);
      expect(afterLeaving.seen).toEqual([]);
      // unsubscribing from an article one is not subscribed to is harmless
      expect(await leaving.timeout(5_000).emitWithAck('unsubscribe', { articleId })).toEqual({
        ok: true,
      });
      expect(leaving.connected).toBe(true);
    });

    it('sends `tally` with the absolute tallies and a growing version after votes', async () => {
      const articleId = await newArticle();
      const observer = await open();
      const other = await open(users[3].accessToken);
      accepted(await subscribe(observer, { articleId }));
      accepted(await subscribe(other, { articleId }));

      const firstSeen = nextEvent(observer, 'tally');
      const firstOther = nextEvent(other, 'tally');
      await request(t.http)
        .put(`/api/articles/${articleId}/votes/interesting`)
        .set(...bearer(users[0]))
        .send({ value: 'up' })
        .expect(200);
      const first = await firstSeen;
      expect(first).toEqual({
        articleId,
        tallies: { interesting: { up: 1, down: 0 }, support: { up: 0, down: 0 } },
        version: expect.any(Number) as number,
      });
      expect(await firstOther).toEqual(first);

      const secondSeen = nextEvent(observer, 'tally');
      await request(t.http)
        .put(`/api/articles/${articleId}/votes/support`)
        .set(...bearer(users[1]))
        .send({ value: 'down' })
        .expect(200);
      const second = await secondSeen;
      expect(second.tallies).toEqual({
        interesting: { up: 1, down: 0 },
        support: { up: 0, down: 1 },
      });
      expect(second.version).toBeGreaterThan(first.version);
    });

    it('sends comment.created/updated/removed with consecutive seq to every subscriber', async () => {
      const articleId = await newArticle();
      const author = users[4];
      const anonymous = await open();
      const reader = await open(users[5].accessToken);
      accepted(await subscribe(anonymous, { articleId }));
      accepted(await subscribe(reader, { articleId }));
      const anonymousSeen = listen(anonymous, COMMENT_EVENTS);
      const readerSeen = listen(reader, COMMENT_EVENTS);

      const created = await post(author, articleId, 'original words');
      const edited = await request(t.http)
        .patch(`/api/comments/${created.id}`)
        .set(...bearer(author))
        .send({ body: 'better words' })
        .expect(200);
      await request(t.http)
        .post(`/api/comments/${created.id}/remove`)
        .set(...bearer(moderator))
        .send({ reason: 'off topic' })
        .expect(200);
      const restored = await request(t.http)
        .post(`/api/comments/${created.id}/restore`)
        .set(...bearer(moderator))
        .expect(200);
      await request(t.http)
        .delete(`/api/comments/${created.id}`)
        .set(...bearer(author))
        .expect(204);

      await waitUntil(
        () => anonymousSeen.seen.length >= 5 && readerSeen.seen.length >= 5,
        'five comment events on both sockets',
      );
      const expected = [
        { name: 'comment.created', payload: { articleId, seq: 1, comment: created } },
        { name: 'comment.updated', payload: { articleId, seq: 2, comment: edited.body } },
        {
          name: 'comment.removed',
          payload: { articleId, seq: 3, commentId: created.id, status: 'removed' },
        },
        { name: 'comment.updated', payload: { articleId, seq: 4, comment: restored.body } },
        {
          name: 'comment.removed',
          payload: { articleId, seq: 5, commentId: created.id, status: 'deleted' },
        },
      ];
      await sleep(QUIET_MS);
      for (const observed of [anonymousSeen.seen, readerSeen.seen]) {
        expect(observed.map(({ name, payload }) => ({ name, payload }))).toEqual(expected);
      }
      const updated = readerSeen.seen[1].payload as CommentCreatedEvent;
      expect(updated.comment).toMatchObject({ body: 'better words', status: 'visible' });
      expect(updated.comment.editedAt).not.toBeNull();
      expect((readerSeen.seen[3].payload as CommentCreatedEvent).comment).toMatchObject({
        id: created.id,
        status: 'visible',
        body: 'better words',
      });
    });

    it('coalesces presence: at most one event a second per article, with the final count', async () => {
      const articleId = await newArticle();
      const [a, b, c] = await Promise.all([open(), open(), open()]);
      const aPresence = listen(a, ['presence']);
      const bPresence = listen(b, ['presence']);

      expect(accepted(await subscribe(a, { articleId })).readers).toBe(1);
      await waitUntil(() => aPresence.seen.length >= 1, 'the first presence event');
      expect(aPresence.seen[0].payload).toEqual({ articleId, readers: 1 });
      const firstAt = aPresence.seen[0].at;

      const joinStarted = Date.now();
      const acks = await Promise.all([subscribe(b, { articleId }), subscribe(c, { articleId })]);
      expect(Date.now() - joinStarted).toBeLessThan(100);
      expect(acks.map((ack) => accepted(ack).readers).sort()).toEqual([2, 3]);

      await waitUntil(() => aPresence.seen.length >= 2, 'presence after two joins', 3_000);
      await sleep(QUIET_MS);
      // one event for both joins, never the intermediate count
      expect(aPresence.seen.map((seen) => seen.payload)).toEqual([
        { articleId, readers: 1 },
        { articleId, readers: 3 },
      ]);
      expect(aPresence.seen[1].at - firstAt).toBeGreaterThanOrEqual(800);
      expect(bPresence.seen.map((seen) => seen.payload)).toEqual([{ articleId, readers: 3 }]);

      c.close();
      await waitUntil(() => aPresence.seen.length >= 3, 'presence after a leave', 3_000);
      expect(aPresence.seen[2].payload).toEqual({ articleId, readers: 2 });
      expect(aPresence.seen[2].at - aPresence.seen[1].at).toBeGreaterThanOrEqual(800);
      await waitUntil(() => bPresence.seen.length >= 2, 'presence after a leave on b');
      expect(bPresence.seen[1].payload).toEqual({ articleId, readers: 2 });
    });

    it('counts a socket once when it sends two subscribes for one article at once', async () => {
      const articleId = await newArticle();
      const twice = await open();
      const observer = await open();
      const acks = await Promise.all([
        subscribe(twice, { articleId }),
        subscribe(twice, { articleId }),
      ]);
      acks.forEach(accepted);
      // one socket and the observer: two readers
      expect(accepted(await subscribe(observer, { articleId })).readers).toBe(2);

      const presence = listen(observer, ['presence']);
      twice.close();
      await waitUntil(
        () => presence.seen.some((seen) => (seen.payload as PresenceEvent).readers === 1),
        'presence with the observer alone',
        3_000,
      );
      expect(presence.seen.at(-1)?.payload).toEqual({ articleId, readers: 1 });
    });

    it('sends report.created to moderators and admins only', async () => {
      const articleId = await newArticle();
      const adminSocket = await open(admin.accessToken);
      const moderatorSocket = await open(moderator.accessToken);
      const readerSocket = await open(users[6].accessToken);
      const anonymousSocket = await open();
      const readerSeen = listen(readerSocket, ['report.created']);
      const anonymousSeen = listen(anonymousSocket, ['report.created']);

      const comment = await post(users[7], articleId, 'reported words');
      const toModerator = nextEvent(moderatorSocket, 'report.created');
      const toAdmin = nextEvent(adminSocket, 'report.created');
      await report(users[8], comment.id);
      const expected: ReportCreatedEvent = { comment, reportCount: 1 };
      expect(await toModerator).toEqual(expected);
      expect(await toAdmin).toEqual(expected);

      const again = nextEvent(moderatorSocket, 'report.created', (e) => e.reportCount === 2);
      await report(users[9], comment.id);
      expect(await again).toEqual({ comment, reportCount: 2 });
      await sleep(QUIET_MS);
      expect(readerSeen.seen).toEqual([]);
      expect(anonymousSeen.seen).toEqual([]);
    });
  });

  describe('bad payloads', () => {
    let articleId: string;
    let observer: TestSocket;
    beforeAll(async () => {
      articleId = await newArticle();
      observer = await open();
      accepted(await subscribe(observer, { articleId }));
    });

    /** A following valid subscribe works, and the socket gets live events like any other. */
    async function stillServed(socket: TestSocket, body: string): Promise<void> {
      expect(socket.connected).toBe(true);
      accepted(await subscribe(socket, { articleId }));
      const toSocket = nextEvent(socket, 'comment.created', (e) => e.comment.body === body);
      const toObserver = nextEvent(observer, 'comment.created', (e) => e.comment.body === body);
      const comment = await post(users[10], articleId, body);
      expect((await toSocket).comment).toEqual(comment);
      expect((await toObserver).comment).toEqual(comment);
    }

    const cases: [string, (articleId: string) => unknown, string | null][] = [
      ['an empty object', () => ({}), 'articleId'],
      ['a non-UUID articleId', () => ({ articleId: 'x' }), 'articleId'],
      ['a negative since', (id) => ({ articleId: id, since: -1 }), 'since'],
      ['a string since', (id) => ({ articleId: id, since: '5' }), 'since'],
      ['a fractional since', (id) => ({ articleId: id, since: 1.5 }), 'since'],
      ['a string payload', () => 'subscribe me', null],
      ['an array payload', (id) => [{ articleId: id }], null],
      ['null', () => null, 'articleId'],
      ['an extra field', (id) => ({ articleId: id, extra: true }), 'extra'],
    ];
    it.each(cases)(
      'answers %s with bad_request and keeps the socket',
      async (label, build, field) => {
        const socket = await open();
        const ack = (await emitRaw(socket, 'subscribe', build(articleId))) as Ack;
        expect(ack).toEqual({
          ok: false,
          error: { code: 'bad_request', message: expect.any(String) as string },
        });
        if (!ack.ok) {
          expect(ack.error.message.length).toBeGreaterThan(0);
          if (field) expect(ack.error.message).toContain(field);
        }
        await stillServed(socket, `after ${label}`);
      },
    );

    it('answers an unsubscribe without a UUID with bad_request', async () => {
      const socket = await open();
      expect(await emitRaw(socket, 'unsubscribe', { articleId: 42 })).toMatchObject({
        ok: false,
        error: { code: 'bad_request' },
      });
      await stillServed(socket, 'after a bad unsubscribe');
    });

    it('answers an unknown article with not_found', async () => {
      const socket = await open();
      expect(await subscribe(socket, { articleId: UNKNOWN_ID })).toEqual({
        ok: false,
        error: { code: 'not_found', message: expect.any(String) as string },
      });
      await stillServed(socket, 'after an unknown article');
    });

    it('ignores an unknown event', async () => {
      const socket = await open();
      const raw = socket as unknown as Socket;
      raw.emit('no.such.event', { articleId });
      await expect(raw.timeout(QUIET_MS).emitWithAck('delete.everything', {})).rejects.toThrow();
      await stillServed(socket, 'after an unknown event');
    });

    it('closes a socket that sends a message over 16 KiB, and only that one', async () => {
      const socket = await open();
      const closed = disconnected(socket);
      (socket as unknown as Socket).emit('subscribe', {
        articleId,
        padding: 'x'.repeat(17 * 1024),
      });
      expect(await closed).toMatch(/transport close|transport error/);
      await stillServed(observer, 'after an oversized message');
    });

    it('holds the limit of 50 when subscribes arrive at the same time', async () => {
      const articleIds = await Promise.all(Array.from({ length: 55 }, () => newArticle()));
      const busy = await open();
      const other = await open();
      for (const id of articleIds.slice(0, 45)) accepted(await subscribe(busy, { articleId: id }));
      const rest = articleIds.slice(45);
      const acks = await Promise.all(rest.map((id) => subscribe(busy, { articleId: id })));
      const outcomes = acks.map((ack) => (ack.ok ? 'ok' : ack.error.code));
      expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(5);
      expect(outcomes.filter((outcome) => outcome === 'too_many_subscriptions')).toHaveLength(5);

      // a refused one really is not subscribed: only the other socket hears it
      const refused = rest[outcomes.indexOf('too_many_subscriptions')] ?? rest[rest.length - 1];
      accepted(await subscribe(other, { articleId: refused }));
      const busySeen = listen(busy, COMMENT_EVENTS);
      const toOther = nextEvent(other, 'comment.created');
      const comment = await post(users[11], refused, 'on a refused article');
      expect((await toOther).comment).toEqual(comment);
      await sleep(QUIET_MS);
      expect(busySeen.seen).toEqual([]);
    });

    it('refuses the 51st subscription of one socket with too_many_subscriptions', async () => {
      const articleIds = await Promise.all(Array.from({ length: 51 }, () => newArticle()));
      const busy = await open();
      const other = await open();
      for (const id of articleIds.slice(0, 50)) accepted(await subscribe(busy, { articleId: id }));
      const last = articleIds[50];
      expect(await subscribe(busy, { articleId: last })).toEqual({
        ok: false,
        error: { code: 'too_many_subscriptions', message: expect.any(String) as string },
      });
      // subscribing again to one it already has is still fine
      accepted(await subscribe(busy, { articleId: articleIds[0] }));

      // the refused subscription did not happen: only the other socket hears that article
      accepted(await subscribe(other, { articleId: last }));
      const busySeen = listen(busy, COMMENT_EVENTS);
      const toOther = nextEvent(other, 'comment.created');
      const comment = await post(users[11], last, 'on the 51st article');
      expect((await toOther).comment).toEqual(comment);
      await sleep(QUIET_MS);
      expect(busySeen.seen).toEqual([]);

      // after one unsubscribe there is room again
      expect(
        await busy.timeout(5_000).emitWithAck('unsubscribe', { articleId: articleIds[1] }),
      ).toEqual({ ok: true });
      expect(accepted(await subscribe(busy, { articleId: last })).seq).toBe(1);
    });
  });

  describe('handshake', () => {
    it('accepts a token signed like the server signs them (control for the cases below)', async () => {
      const user = users[12];
      const socket = await open(
        accessToken(user.id, { iat: nowSeconds(), exp: nowSeconds() + 600 }),
      );
      const moderatorSocket = await open(moderator.accessToken);
      expect(socket.connected).toBe(true);
      expect(moderatorSocket.connected).toBe(true);
    });

    it.each([
      ['a malformed token', () => 'not-a-jwt'],
      [
        'a token signed with another secret',
        (id: string) =>
          accessToken(
            id,
            { iat: nowSeconds(), exp: nowSeconds() + 600 },
            'another-secret-that-is-at-least-32-characters',
          ),
      ],
      [
        'an expired token',
        (id: string) => accessToken(id, { iat: nowSeconds() - 120, exp: nowSeconds() - 60 }),
      ],
      [
        'a token of an unknown user',
        () => accessToken(UNKNOWN_ID, { iat: nowSeconds(), exp: nowSeconds() + 600 }),
      ],
    ])('refuses %s with connect_error "unauthorized"', async (_label, build) => {
      const witness = await open();
      await expect(connect(t.url, build(users[12].id))).rejects.toThrow(/^unauthorized$/);
      expect(witness.connected).toBe(true);
    });

    it('connects without a token as an anonymous reader', async () => {
      const articleId = await newArticle();
      const anonymous = await open();
      const signedIn = await open(users[13].accessToken);
      accepted(await subscribe(anonymous, { articleId }));
      accepted(await subscribe(signedIn, { articleId }));
      const toAnonymous = nextEvent(anonymous, 'comment.created');
      const toSignedIn = nextEvent(signedIn, 'comment.created');
      const comment = await post(users[13], articleId, 'seen by anyone');
      expect((await toAnonymous).comment).toEqual(comment);
      expect((await toSignedIn).comment).toEqual(comment);
    });

    it('tells a socket its token expired, then disconnects it', async () => {
      const articleId = await newArticle();
      const issued = nowSeconds();
      const expiring = await open(accessToken(users[14].id, { iat: issued, exp: issued + 2 }));
      const observer = await open();
      accepted(await subscribe(expiring, { articleId }));
      accepted(await subscribe(observer, { articleId }));
      const expired = nextEvent(expiring, 'session.expired', undefined, 4_000);
      const closed = disconnected(expiring);

      expect(await expired).toEqual({
        reason: 'token_expired',
        message: expect.any(String) as string,
      });
      expect(Date.now()).toBeGreaterThanOrEqual((issued + 2) * 1000 - 50);
      expect(await closed).toBe('io server disconnect');
      expect(expiring.connected).toBe(false);
      expect(observer.connected).toBe(true);

      const toObserver = nextEvent(observer, 'comment.created');
      const comment = await post(users[14], articleId, 'after the expiry');
      expect((await toObserver).comment).toEqual(comment);
    });

    it('keeps a socket open past its token expiry after reauth with a fresh token of the same user', async () => {
      const articleId = await newArticle();
      const issued = nowSeconds();
      const socket = await open(accessToken(users[14].id, { iat: issued, exp: issued + 2 }));
      accepted(await subscribe(socket, { articleId }));
      const fresh = accessToken(users[14].id, { iat: issued, exp: issued + 600 });
      expect(await socket.timeout(5_000).emitWithAck('reauth', { token: fresh })).toEqual({
        ok: true,
      });
      const expired: string[] = [];
      socket.on('session.expired', (event) => expired.push(event.reason));
      // past the first token's expiry (plus the server's timer slack), the socket is still live
      await new Promise((resolve) => setTimeout(resolve, (issued + 2) * 1000 - Date.now() + 300));
      const next = nextEvent(socket, 'comment.created');
      const comment = await post(users[14], articleId, 'after the old expiry');
      expect((await next).comment).toEqual(comment);
      expect(socket.connected).toBe(true);
      expect(expired).toEqual([]);
    });

    it("refuses reauth with another user's, a bad or an anonymous socket's token (unauthorized), junk (bad_request)", async () => {
      const issued = nowSeconds();
      const own = accessToken(users[14].id, { iat: issued, exp: issued + 600 });
      const socket = await open(own);
      const anonymous = await open();
      const reauth = (target: TestSocket, body: unknown) =>
        target.timeout(5_000).emitWithAck('reauth', body as never);
      const other = accessToken(users[13].id, { iat: issued, exp: issued + 600 });
      for (const token of [
        other,
        accessToken(users[14].id, { iat: issued, exp: issued + 600 }, 'x'.repeat(40)),
        'not.a.jwt',
      ]) {
        expect(await reauth(socket, { token })).toMatchObject({
          ok: false,
          error: { code: 'unauthorized' },
        });
      }
      expect(await reauth(anonymous, { token: own })).toMatchObject({
        ok: false,
        error: { code: 'unauthorized' },
      });
      for (const body of [{}, { token: 42 }, { token: '' }, { token: 'x'.repeat(4097) }, 'token']) {
        expect(await reauth(socket, body)).toMatchObject({
          ok: false,
          error: { code: 'bad_request' },
        });
      }
      expect(socket.connected).toBe(true);
      expect(anonymous.connected).toBe(true);
    });

    describe('Origin', () => {
      let prod: TestApp;
      const prodSockets: TestSocket[] = [];
      beforeAll(async () => {
        prod = await startTestApp(
          {
            CORS_ORIGINS: 'https://good.example',
            NODE_ENV: 'production',
            JWT_SECRET: TEST_JWT_SECRET,
          },
          { listen: true },
        );
      });
      afterAll(async () => {
        prodSockets.forEach((socket) => socket.close());
        await prod?.close();
      });

      async function openProd(origin?: string): Promise<TestSocket> {
        const socket = await connect(prod.url, undefined, { origin });
        prodSockets.push(socket);
        return socket;
      }

      it('refuses a disallowed Origin and accepts listed, same and absent ones', async () => {
        await expect(
          connect(prod.url, undefined, { origin: 'https://evil.example' }),
        ).rejects.toThrow();
        await expect(
          connect(prod.url, undefined, { origin: 'https://evil.example', transports: ['polling'] }),
        ).rejects.toThrow();

        const good = await openProd('https://good.example');
        const none = await openProd();
        const same = await openProd(prod.url);
        const prodAdmin = await loginAdmin(prod.http);
        const articleId = await createArticle(prod.http, prodAdmin);
        for (const socket of [good, none, same]) accepted(await subscribe(socket, { articleId }));
        const seen = [good, none, same].map((socket) => nextEvent(socket, 'comment.created'));
        const res = await postComment(prod.http, prodAdmin, articleId, 'production').expect(201);
        for (const event of await Promise.all(seen)) expect(event.comment).toEqual(res.body);
      });
    });
  });

  describe('replay', () => {
    it('replays missed events in order, then continues live', async () => {
      const articleId = await newArticle();
      const live = await open();
      accepted(await subscribe(live, { articleId }));
      const posted = [];
      for (const body of ['one', 'two', 'three'])
        posted.push(await post(users[15], articleId, body));

      const late = await open();
      const ack = accepted(await subscribe(late, { articleId, since: 0 }));
      expect(ack.seq).toBe(3);
      expect(ack.missed).toEqual(
        posted.map((comment, i) => ({ type: 'comment.created', articleId, seq: i + 1, comment })),
      );

      const lateNext = nextEvent(late, 'comment.created');
      const liveNext = nextEvent(live, 'comment.created', (e) => e.seq === 4);
      const fourth = await post(users[15], articleId, 'four');
      expect(await lateNext).toEqual({ articleId, seq: 4, comment: fourth });
      expect(await liveNext).toEqual({ articleId, seq: 4, comment: fourth });
    });

    it('replays nothing from the current seq and asks for a resync when since is ahead', async () => {
      const articleId = await newArticle();
      await post(users[15], articleId, 'one');
      await post(users[15], articleId, 'two');
      const upToDate = await open();
      const ahead = await open();
      expect(await subscribe(upToDate, { articleId, since: 2 })).toMatchObject({
        ok: true,
        seq: 2,
        missed: [],
      });
      const aheadAck = accepted(await subscribe(ahead, { articleId, since: 7 }));
      expect(aheadAck).toEqual({
        ok: true,
        resync: true,
        seq: 2,
        epoch: expect.any(String),
        tallies: ZERO,
        version: 0,
        commentCount: 2,
        readers: 2,
        missed: [],
      });
      expect(accepted(await subscribe(upToDate, { articleId, since: 2 })).resync).toBeUndefined();

      // both carry on live from seq 3
      const seen = [upToDate, ahead].map((socket) => nextEvent(socket, 'comment.created'));
      const third = await post(users[15], articleId, 'three');
      for (const event of await Promise.all(seen))
        expect(event).toEqual({ articleId, seq: 3, comment: third });
    });

    it('asks for a resync beyond 1000 missed events, and replays exactly 1000', async () => {
      const articleId = await newArticle();
      const author = users[16];
      // 1001 comments and their events, as the service would have written them
      await query(
        t.database.url,
        `WITH c AS (
           INSERT INTO comments (id, article_id, parent_id, author_id, body, status, reply_count, created_at)
           SELECT gen_random_uuid(), $1, NULL, $2, 'bulk ' || g, 'visible', 0, clock_timestamp()
             FROM generate_series(1, 1001) g
           RETURNING id, body)
         INSERT INTO comment_events (article_id, seq, type, comment_id, status, created_at)
         SELECT $1, substr(body, 6)::int, 'comment.created', id, NULL, clock_timestamp() FROM c`,
        [articleId, author.id],
      );
      await query(
        t.database.url,
        'UPDATE articles SET comment_seq = comment_seq + 1001, comment_count = comment_count + 1001 WHERE id = $1',
        [articleId],
      );

      const far = await open();
      const near = await open();
      const farAck = accepted(await subscribe(far, { articleId, since: 0 }));
      expect(farAck).toMatchObject({
        ok: true,
        resync: true,
        seq: 1001,
        commentCount: 1001,
        missed: [],
      });

      const nearAck = accepted(await subscribe(near, { articleId, since: 1 }));
      expect(nearAck.resync).toBeUndefined();
      expect(nearAck.seq).toBe(1001);
      expect(nearAck.missed.map(seqOf)).toEqual(range(2, 1001));
      expect(nearAck.missed[999]).toMatchObject({
        type: 'comment.created',
        articleId,
        seq: 1001,
        comment: { body: 'bulk 1001', status: 'visible', author: { id: author.id } },
      });

      const seen = [far, near].map((socket) => nextEvent(socket, 'comment.created'));
      const next = await post(author, articleId, 'after the bulk');
      for (const event of await Promise.all(seen))
        expect(event).toEqual({ articleId, seq: 1002, comment: next });
    });

    it('replays a comment removed since as a tombstone', async () => {
      const articleId = await newArticle();
      const live = await open();
      accepted(await subscribe(live, { articleId }));
      const liveSeen = listen(live, COMMENT_EVENTS);
      const doomed = await post(users[17], articleId, 'soon removed');
      const kept = await post(users[18], articleId, 'stays');
      await request(t.http)
        .post(`/api/comments/${doomed.id}/remove`)
        .set(...bearer(moderator))
        .send({ reason: 'abuse' })
        .expect(200);
      await waitUntil(() => liveSeen.seen.length >= 3, 'three live events');
      // live, it was shown as written
      expect(liveSeen.seen[0].payload).toEqual({ articleId, seq: 1, comment: doomed });

      const late = await open();
      const ack = accepted(await subscribe(late, { articleId, since: 0 }));
      expect(ack.missed).toEqual([
        {
          type: 'comment.created',
          articleId,
          seq: 1,
          comment: { ...doomed, body: null, author: null, status: 'removed' },
        },
        { type: 'comment.created', articleId, seq: 2, comment: kept },
        { type: 'comment.removed', articleId, seq: 3, commentId: doomed.id, status: 'removed' },
      ]);
      expect(ack.commentCount).toBe(1);
    });

    /**
     * Five writers post 20 comments each while `joinAfter.length` clients subscribe with
     * since: 0, each once that many posts have been answered. Each must see seq 1..100 exactly
     * once, in order, replayed events before live ones. With `observer`, a client subscribed
     * before the first post must see them all live; without, the first joiner starts the
     * article's feed in the middle of the writes.
     */
    async function replayUnderLoad(joinAfter: number[], observer: boolean): Promise<void> {
      const articleId = await newArticle();
      const writers = users.slice(20, 25);
      const perWriter = 20;
      const total = writers.length * perWriter;

      let observed: Seen[] | null = null;
      if (observer) {
        const socket = await open();
        accepted(await subscribe(socket, { articleId }));
        observed = listen(socket, COMMENT_EVENTS).seen;
      }

      let answered = 0;
      const thresholds: { at: number; reached: () => void }[] = [];
      const reached = (at: number): Promise<void> =>
        new Promise((resolve) => thresholds.push({ at, reached: resolve }));

      const joiners = await Promise.all(
        joinAfter.map(async (at) => {
          const socket = await open();
          // in arrival order: live events (also any that came before the ack), and the ack's missed
          const timeline: { seq: number; from: 'live' | 'missed'; commentId: string }[] = [];
          for (const name of COMMENT_EVENTS) {
            socket.on(name, (event: CommentCreatedEvent | CommentRemovedEvent) => {
              const commentId = 'comment' in event ? event.comment.id : event.commentId;
              timeline.push({ seq: event.seq, from: 'live', commentId });
            });
          }
          const acked = reached(at).then(
            () =>
              new Promise<SubscribeResult>((resolve, reject) => {
                socket
                  .timeout(10_000)
                  .emit('subscribe', { articleId, since: 0 }, (error: Error | null, ack) => {
                    if (error) return reject(error);
                    if (!ack.ok) return reject(new Error(JSON.stringify(ack.error)));
                    // synchronously, as the ack packet is handled: before any later event
                    for (const event of ack.missed as ReplayedEvent[]) {
                      const commentId = 'comment' in event ? event.comment.id : event.commentId;
                      timeline.push({ seq: event.seq, from: 'missed', commentId });
                    }
                    resolve(ack);
                  });
              }),
          );
          return { at, timeline, acked };
        }),
      );

      const postedIds: string[] = [];
      await Promise.all(
        writers.map(async (writer, w) => {
          for (let i = 0; i < perWriter; i++) {
            postedIds.push((await post(writer, articleId, `writer ${w} post ${i}`)).id);
            answered++;
            for (const threshold of thresholds) if (answered >= threshold.at) threshold.reached();
          }
        }),
      );
      const acks = await Promise.all(joiners.map((joiner) => joiner.acked));

      await waitUntil(
        () =>
          (observed?.length ?? total) >= total &&
          joiners.every((joiner) => joiner.timeline.length >= total),
        `all ${total} events on every subscriber`,
        10_000,
      );
      await sleep(100);
      if (observed) expect(observed.map((seen) => seqOf(seen.payload))).toEqual(range(1, total));
      for (const [i, joiner] of joiners.entries()) {
        const seqs = joiner.timeline.map((entry) => entry.seq);
        expect({ joinAfter: joiner.at, seqs }).toEqual({
          joinAfter: joiner.at,
          seqs: range(1, total),
        });
        // missed first, then live
        const firstLive = joiner.timeline.findIndex((entry) => entry.from === 'live');
        const missedCount = joiner.timeline.filter((entry) => entry.from === 'missed').length;
        expect(firstLive === -1 ? joiner.timeline.length : firstLive).toBe(missedCount);
        expect(missedCount).toBe(acks[i].missed.length);
        expect(missedCount).toBeGreaterThanOrEqual(joiner.at);
        expect(new Set(joiner.timeline.map((entry) => entry.commentId))).toEqual(
          new Set(postedIds),
        );
      }
      expect(postedIds).toHaveLength(total);
    }

    it('loses and repeats nothing for a client that subscribes while 5 writers post', async () => {
      await replayUnderLoad([random.int(5, 95)], true);
    });

    it('loses and repeats nothing for 3 clients that subscribe at different moments', async () => {
      await replayUnderLoad([random.int(3, 30), random.int(35, 65), random.int(70, 97)], true);
      // no one else subscribed: the first of them starts the feed while the writes go on
      await replayUnderLoad([random.int(3, 30), random.int(35, 65), random.int(70, 97)], false);
    });
  });

  describe('coalescing', () => {
    it('sends few tally events for a burst of 50 votes, ending with the stored tallies', async () => {
      const articleId = await newArticle();
      const observer = await open();
      const other = await open(users[0].accessToken);
      accepted(await subscribe(observer, { articleId }));
      accepted(await subscribe(other, { articleId }));
      const observed = listen(observer, ['tally']);
      const otherObserved = listen(other, ['tally']);

      const started = Date.now();
      await Promise.all(
        users.slice(0, 50).map((voter, i) =>
          request(t.http)
            .put(`/api/articles/${articleId}/votes/${i % 2 ? 'interesting' : 'support'}`)
            .set(...bearer(voter))
            .send({ value: i % 2 ? 'up' : 'down' })
            .expect(200),
        ),
      );
      const sendMs = Date.now() - started;
      const final: Tallies = { interesting: { up: 25, down: 0 }, support: { up: 0, down: 25 } };
      await waitUntil(
        () =>
          observed.seen.some((seen) =>
            isDeepStrictEqual((seen.payload as TallyEvent).tallies, final),
          ),
        'the final tallies',
      );
      await sleep(QUIET_MS);

      const events = observed.seen.map((seen) => seen.payload as TallyEvent);
      expect(events.length).toBeGreaterThanOrEqual(1);
      // at most one per 100 ms while the votes came in, plus the last: 6 for a burst of up to
      // 500 ms (here 50 votes take ~250 ms); a slower machine widens the bound accordingly
      expect(events.length).toBeLessThanOrEqual(Math.max(6, Math.ceil(sendMs / 100) + 1));
      for (let i = 1; i < events.length; i++) {
        expect(events[i].version).toBeGreaterThan(events[i - 1].version);
        // at most one per TALLY_INTERVAL_MS (100), loosely
        expect(observed.seen[i].at - observed.seen[i - 1].at).toBeGreaterThanOrEqual(50);
      }
      const article = await request(t.http).get(`/api/articles/${articleId}`).expect(200);
      expect(article.body).toMatchObject({ tallies: final });
      expect(events[events.length - 1]).toMatchObject({ articleId, tallies: final });
      expect(otherObserved.seen.map((seen) => seen.payload)).toEqual(events);
    });
  });

  describe('role change', () => {
    it('starts and stops sending report.created to an open socket as the role changes', async () => {
      const articleId = await newArticle();
      const promoted = await registerUser(t.http);
      const promotedSocket = await open(promoted.accessToken);
      const moderatorSocket = await open(moderator.accessToken);
      const promotedSeen = listen(promotedSocket, ['report.created']);
      const comment = await post(users[30], articleId, 'much reported');

      const first = nextEvent(moderatorSocket, 'report.created', (e) => e.reportCount === 1);
      await report(users[31], comment.id);
      await first;
      await sleep(QUIET_MS);
      expect(promotedSeen.seen).toEqual([]);

      await setRole(promoted, 'moderator');
      const second = nextEvent(promotedSocket, 'report.created');
      const secondToModerator = nextEvent(
        moderatorSocket,
        'report.created',
        (e) => e.reportCount === 2,
      );
      await report(users[32], comment.id);
      expect(await second).toEqual({ comment, reportCount: 2 });
      await secondToModerator;

      await setRole(promoted, 'reader');
      const third = nextEvent(moderatorSocket, 'report.created', (e) => e.reportCount === 3);
      await report(users[33], comment.id);
      await third;
      await sleep(QUIET_MS);
      expect(
        promotedSeen.seen.map((seen) => (seen.payload as ReportCreatedEvent).reportCount),
      ).toEqual([2]);
      expect(promotedSocket.connected).toBe(true);
    });
  });

  describe('long-polling', () => {
    it('serves a client on the polling transport', async () => {
      const articleId = await newArticle();
      const polling = await open(undefined, { transports: ['polling'] });
      const websocket = await open();
      expect(polling.io.engine.transport.name).toBe('polling');
      expect(accepted(await subscribe(polling, { articleId })).readers).toBe(1);
      const presence = nextEvent(polling, 'presence', (e) => e.readers === 2, 3_000);
      accepted(await subscribe(websocket, { articleId }));

      const toPolling = nextEvent(polling, 'comment.created');
      const toWebsocket = nextEvent(websocket, 'comment.created');
      const comment = await post(users[34], articleId, 'over long-polling');
      expect(await toPolling).toEqual({ articleId, seq: 1, comment });
      expect(await toWebsocket).toEqual({ articleId, seq: 1, comment });
      expect(await presence).toEqual({ articleId, readers: 2 });
      expect(polling.io.engine.transport.name).toBe('polling');
    });
  });
});
