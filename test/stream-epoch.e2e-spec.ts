/**
 * The subscribe ack's `epoch` and `version` (API.md "Live updates"): `version` is the tallies'
 * version as in `tally` events, and a `since` from another epoch (a restore or failover that
 * could have rewound the event log) is answered with `resync: true` instead of a replay.
 */
import request from 'supertest';
import type { Ack, SubscribeResult } from '../src/realtime/contract';
import { EPOCH_REFRESH_MS } from '../src/comments/stream-epoch.service';
import { bearer, createArticle, loginAdmin, postComment, type TestUser } from './support/factories';
import { connect, nextEvent, subscribe, type TestSocket } from './support/socket-clients';
import { startTestApp, type TestApp } from './support/test-app';
import { query } from './support/test-database';

type Subscribed = Extract<Ack<SubscribeResult>, { ok: true }>;

describe('subscribe ack: epoch and tallies version', () => {
  let t: TestApp;
  let admin: TestUser;
  let articleId: string;
  const sockets: TestSocket[] = [];

  async function open(): Promise<TestSocket> {
    const socket = await connect(t.url);
    sockets.push(socket);
    return socket;
  }
  async function subscribed(socket: TestSocket, body: object): Promise<Subscribed> {
    const ack = await subscribe(socket, { articleId, ...body });
    if (!ack.ok) throw new Error(`subscribe refused: ${ack.error.message}`);
    return ack;
  }

  beforeAll(async () => {
    t = await startTestApp({ TALLY_INTERVAL_MS: '50' }, { listen: true });
    admin = await loginAdmin(t.http);
    articleId = await createArticle(t.http, admin);
    for (const body of ['one', 'two', 'three']) {
      await postComment(t.http, admin, articleId, body).expect(201);
    }
  });
  afterEach(() => sockets.splice(0).forEach((socket) => socket.close()));
  afterAll(() => t.close());

  it("acks the tallies' version, the one the next tally event outgrows", async () => {
    const reader = await open();
    const first = await subscribed(reader, {});
    expect(first.epoch).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(first.version).toBe(0);
    const tally = nextEvent(reader, 'tally');
    await request(t.http)
      .put(`/api/articles/${articleId}/votes/interesting`)
      .set(...bearer(admin))
      .send({ value: 'up' })
      .expect(200);
    const event = await tally;
    expect(event.version).toBeGreaterThan(first.version);
    const [row] = await query<{ tallies_version: number }>(
      t.database.url,
      'SELECT tallies_version FROM articles WHERE id = $1',
      [articleId],
    );
    const again = await subscribed(await open(), {});
    expect(again.version).toBe(event.version);
    expect(again.version).toBe(row!.tallies_version);
    expect(again.tallies).toEqual(event.tallies);
  });

  it('replays since in the same epoch and resyncs a since from another epoch', async () => {
    const reader = await open();
    const { epoch, seq } = await subscribed(reader, {});
    const same = await subscribed(await open(), { since: seq - 2, epoch });
    expect(same.resync).toBeUndefined();
    expect(same.missed.map((event) => event.seq)).toEqual([seq - 1, seq]);
    const other = await subscribed(await open(), { since: seq - 2, epoch: 'another-epoch' });
    expect(other).toMatchObject({ resync: true, missed: [], seq, epoch });
  });

  it('names a new epoch once an operator bumps stream_epoch after a restore', async () => {
    const { epoch, seq } = await subscribed(await open(), {});
    await query(t.database.url, 'UPDATE stream_epoch SET generation = generation + 1');
    const deadline = Date.now() + EPOCH_REFRESH_MS + 5_000;
    let fresh: Subscribed;
    do {
      fresh = await subscribed(await open(), { since: seq, epoch });
      sockets.splice(0).forEach((socket) => socket.close());
      if (fresh.epoch !== epoch) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    } while (Date.now() < deadline);
    expect(fresh.epoch).not.toBe(epoch);
    expect(fresh).toMatchObject({ resync: true, missed: [] });
    const settled = await subscribed(await open(), { since: seq, epoch: fresh.epoch });
    expect(settled.resync).toBeUndefined();
  });

  it.each([[42], [''], ['x'.repeat(65)], ['not an epoch!']])(
    'refuses epoch %p with bad_request and stays connected',
    async (epoch) => {
      const socket = await open();
      const ack = await subscribe(socket, { articleId, since: 0, epoch } as never);
      expect(ack).toMatchObject({ ok: false, error: { code: 'bad_request' } });
      expect(socket.connected).toBe(true);
    },
  );
});
