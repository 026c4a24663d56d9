/**
 * What README "Live updates" claims for moderators and signed-in users across instances, with
 * two compiled servers (`node dist/src/main.js`) on one PostgreSQL and a test-owned
 * redis-server: a report made through A reaches the moderators connected to B, and a ban, an
 * unban or a role change made through A reaches the user's sockets on B (and A) at once, with
 * its effect on `report.created`. `npm test` builds dist/ first.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { ReportCreatedEvent, SessionChangedEvent } from '../src/realtime/contract';
import {
  bearer,
  createArticle,
  loginAdmin,
  postComment,
  registerUser,
  type TestUser,
  userWithRole,
} from './support/factories';
import { type Cluster, startCluster } from './support/cluster';
import type { ServerProcess } from './support/server-process';
import { connect, nextEvent, record, subscribe, type TestSocket } from './support/socket-clients';

jest.setTimeout(120_000);

describe('cluster: report.created and session.changed across instances', () => {
  let cluster: Cluster | undefined;
  let A: ServerProcess;
  let B: ServerProcess;
  let admin: TestUser;
  let articleId: string;
  let commentId: string;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    cluster = await startCluster(2);
    [A, B] = cluster.servers as [ServerProcess, ServerProcess];
    admin = await loginAdmin(A.url);
    articleId = await createArticle(A.url, admin, { title: 'Reported across instances' });
    const author = await registerUser(A.url);
    commentId = (
      (await postComment(A.url, author, articleId, 'reported').expect(201)).body as {
        id: string;
      }
    ).id;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await cluster?.close();
  });

  async function open(server: ServerProcess, user?: TestUser): Promise<TestSocket> {
    const socket = await connect(server.url, user?.accessToken);
    sockets.push(socket);
    return socket;
  }

  /**
   * Resolves once everything the server wrote to this socket before it read this request has
   * arrived: packets on one connection keep their order, and a room broadcast is written to
   * every member before the server reads its next packet. So once a moderator on the same
   * instance has received a broadcast, settling another socket proves whether it got it too.
   */
  async function settled(socket: TestSocket): Promise<void> {
    const ack = await socket.timeout(5_000).emitWithAck('unsubscribe', { articleId: randomUUID() });
    expect(ack).toEqual({ ok: true });
  }

  let reports = 0;
  /** Resolves with the report.created of the next report() that reaches `socket`. */
  function nextReport(socket: TestSocket): Promise<ReportCreatedEvent> {
    const count = reports + 1; // read now: report() counts up before the event may arrive
    return nextEvent(socket, 'report.created', (e) => e.reportCount === count);
  }
  /** A report made through A by a new user; resolves with its reportCount. */
  async function report(): Promise<number> {
    const reporter = await registerUser(A.url);
    await request(A.url)
      .post(`/api/comments/${commentId}/reports`)
      .set(...bearer(reporter))
      .send({ reason: 'spam' })
      .expect(201);
    return ++reports;
  }

  const reportCounts = (seen: { name: string; payload: unknown }[]): number[] =>
    seen
      .filter((event) => event.name === 'report.created')
      .map((event) => (event.payload as ReportCreatedEvent).reportCount);
  const changes = (seen: { name: string; payload: unknown }[]): SessionChangedEvent[] =>
    seen
      .filter((event) => event.name === 'session.changed')
      .map((event) => event.payload as SessionChangedEvent);

  function setRole(user: TestUser, role: 'reader' | 'moderator'): request.Test {
    return request(A.url)
      .patch(`/api/users/${user.id}`)
      .set(...bearer(admin))
      .send({ role });
  }
  function ban(user: TestUser): request.Test {
    return request(A.url)
      .post(`/api/users/${user.id}/ban`)
      .set(...bearer(admin))
      .send({ reason: 'abuse' });
  }

  it('a report made through A reaches the moderators and admins on B, and no reader there', async () => {
    const moderator = await userWithRole(A.url, admin, 'moderator');
    const reader = await registerUser(A.url);
    const onB = {
      moderator: await open(B, moderator),
      admin: await open(B, admin),
      reader: await open(B, reader),
      anonymous: await open(B),
    };
    const toReader = record(onB.reader, ['report.created']);
    const toAnonymous = record(onB.anonymous, ['report.created']);
    const toModerator = nextReport(onB.moderator);
    const toAdmin = nextReport(onB.admin);

    expect(await report()).toBe(1);

    for (const event of [await toModerator, await toAdmin]) {
      expect(event).toMatchObject({ comment: { id: commentId, body: 'reported' }, reportCount: 1 });
    }
    await Promise.all([settled(onB.reader), settled(onB.anonymous)]);
    expect(toReader).toEqual([]);
    expect(toAnonymous).toEqual([]);
  });

  it('a ban and an unban made through A reach the user on B and A at once, and no one else', async () => {
    const user = await registerUser(A.url);
    const bystander = await registerUser(A.url);
    const onB = await open(B, user);
    const onA = await open(A, user);
    const bystanderOnB = await open(B, bystander);
    const toBystander = record(bystanderOnB, ['session.changed']);

    const bannedOnB = nextEvent(onB, 'session.changed');
    const bannedOnA = nextEvent(onA, 'session.changed');
    await ban(user).expect(200);
    const banned = { reason: 'banned', role: 'reader', banned: true, message: expect.any(String) };
    expect(await bannedOnB).toEqual(banned);
    expect(await bannedOnA).toEqual(banned);
    // told, not disconnected: reading is public
    expect(onB.connected).toBe(true);
    expect(await subscribe(onB, { articleId })).toMatchObject({ ok: true });
    // and REST applies the ban to the user's next write, on either instance
    await postComment(B.url, user, articleId, 'while banned').expect(403);

    const unbannedOnB = nextEvent(onB, 'session.changed', (e) => e.reason === 'unbanned');
    await request(A.url)
      .delete(`/api/users/${user.id}/ban`)
      .set(...bearer(admin))
      .expect(200);
    expect(await unbannedOnB).toEqual({
      reason: 'unbanned',
      role: 'reader',
      banned: false,
      message: expect.any(String),
    });
    await postComment(B.url, user, articleId, 'unbanned').expect(201);

    await settled(bystanderOnB);
    expect(toBystander).toEqual([]);
  });

  it('a user promoted through A gets report.created on B from then on, and no more once demoted', async () => {
    const user = await registerUser(A.url);
    const witness = await userWithRole(A.url, admin, 'moderator');
    const userOnB = await open(B, user);
    const witnessOnB = await open(B, witness);
    const toUser = record(userOnB, ['report.created', 'session.changed']);

    const before = nextReport(witnessOnB);
    await report();
    await before;
    await settled(userOnB);
    expect(reportCounts(toUser)).toEqual([]);

    const promoted = nextEvent(userOnB, 'session.changed');
    await setRole(user, 'moderator').expect(200);
    expect(await promoted).toEqual({
      reason: 'role_changed',
      role: 'moderator',
      banned: false,
      message: expect.stringContaining('moderator'),
    });
    const whileModerator = nextReport(userOnB);
    const expected = await report();
    expect((await whileModerator).reportCount).toBe(expected);

    const demoted = nextEvent(userOnB, 'session.changed', (e) => e.role === 'reader');
    await setRole(user, 'reader').expect(200);
    expect((await demoted).reason).toBe('role_changed');
    const afterDemotion = nextReport(witnessOnB);
    await report();
    await afterDemotion;
    await settled(userOnB);

    expect(reportCounts(toUser)).toEqual([expected]);
    expect(changes(toUser).map((change) => change.role)).toEqual(['moderator', 'reader']);
  });

  it('a moderator on B banned through A stops getting report.created and keeps reading', async () => {
    const moderator = await userWithRole(A.url, admin, 'moderator');
    const witness = await userWithRole(A.url, admin, 'moderator');
    const moderatorOnB = await open(B, moderator);
    const witnessOnB = await open(B, witness);
    expect(await subscribe(moderatorOnB, { articleId })).toMatchObject({ ok: true });
    const toModerator = record(moderatorOnB, ['report.created']);

    const first = nextReport(moderatorOnB);
    const expected = await report();
    expect((await first).reportCount).toBe(expected);

    const banned = nextEvent(moderatorOnB, 'session.changed');
    await ban(moderator).expect(200);
    expect(await banned).toEqual({
      reason: 'banned',
      role: 'moderator',
      banned: true,
      message: expect.stringMatching(/banned/),
    });
    const toWitness = nextReport(witnessOnB);
    await report();
    await toWitness;
    await settled(moderatorOnB);
    expect(reportCounts(toModerator)).toEqual([expected]);

    // still a reader: a comment posted through A reaches the socket on B
    const live = nextEvent(moderatorOnB, 'comment.created', (e) => e.comment.body === 'still read');
    const author = await registerUser(A.url);
    await postComment(A.url, author, articleId, 'still read').expect(201);
    expect((await live).articleId).toBe(articleId);
    expect(moderatorOnB.connected).toBe(true);
  });
});
