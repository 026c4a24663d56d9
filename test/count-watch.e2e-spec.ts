/**
 * Live comment-count badges over Socket.IO (API.md "Count badges"): `watch` acks the counts,
 * `count` follows each change coalesced per article; two real clients, one acts, one watches.
 */
import request from 'supertest';
import type { Ack, CountEvent, WatchResult } from '../src/realtime/contract';
import { bearer, loginAdmin, postComment, registerUser, type TestUser } from './support/factories';
import { connect, nextEvent, subscribe, type TestSocket } from './support/socket-clients';
import { startTestApp, type TestApp } from './support/test-app';
import { query } from './support/test-database';

const ZERO = { interesting: { up: 0, down: 0 }, support: { up: 0, down: 0 } };

describe('watch and count (Socket.IO)', () => {
  let t: TestApp;
  let admin: TestUser;
  let writer: TestUser;
  let siteId: string;
  const sockets: TestSocket[] = [];

  async function open(token?: string, origin?: string): Promise<TestSocket> {
    const socket = await connect(t.url, token, { origin });
    sockets.push(socket);
    return socket;
  }
  const watch = (socket: TestSocket, body: unknown): Promise<Ack<WatchResult>> =>
    socket.timeout(10_000).emitWithAck('watch', body as never);
  async function article(externalId: string): Promise<string> {
    const res = await request(t.http)
      .put(`/api/sites/${siteId}/articles/${externalId}`)
      .set(...bearer(admin))
      .send({ title: `Story ${externalId}`, category: 'News' })
      .expect(201);
    return (res.body as { id: string }).id;
  }

  beforeAll(async () => {
    t = await startTestApp(
      { TALLY_INTERVAL_MS: '200', CORS_ORIGINS: 'https://configured.example' },
      { listen: true },
    );
    admin = await loginAdmin(t.http);
    writer = await registerUser(t.http);
    const site = await request(t.http)
      .post('/api/sites')
      .set(...bearer(admin))
      .send({ name: 'Publisher', origins: ['https://news.example'] })
      .expect(201);
    siteId = (site.body as { id: string }).id;
  });
  afterEach(() => {
    sockets.splice(0).forEach((socket) => socket.close());
  });
  afterAll(() => t.close());

  it("acks the counts of the site's known ids, then sends count after each change to another client's writes", async () => {
    const a = await article('w-a');
    await article('w-b');
    await postComment(t.http, writer, a, 'before').expect(201);
    const watcher = await open(undefined, 'https://news.example');
    const ack = await watch(watcher, { siteId, externalIds: ['w-a', 'w-b', 'w-unknown'] });
    expect(ack).toEqual({
      ok: true,
      counts: {
        'w-a': { commentCount: 1, tallies: ZERO },
        'w-b': { commentCount: 0, tallies: ZERO },
      },
    });

    const commented = nextEvent(
      watcher,
      'count',
      (e) => e.externalId === 'w-a' && e.commentCount === 2,
    );
    const posted = await postComment(t.http, writer, a, 'second').expect(201);
    expect(await commented).toEqual({ siteId, externalId: 'w-a', commentCount: 2, tallies: ZERO });

    const voted = nextEvent(watcher, 'count', (e) => e.tallies.support.down === 1);
    await request(t.http)
      .put(`/api/articles/${a}/votes/support`)
      .set(...bearer(writer))
      .send({ value: 'down' })
      .expect(200);
    expect(await voted).toEqual({
      siteId,
      externalId: 'w-a',
      commentCount: 2,
      tallies: { ...ZERO, support: { up: 0, down: 1 } },
    });

    const deleted = nextEvent(watcher, 'count', (e) => e.commentCount === 1);
    await request(t.http)
      .delete(`/api/comments/${(posted.body as { id: string }).id}`)
      .set(...bearer(writer))
      .expect(204);
    expect((await deleted).externalId).toBe('w-a');
  });

  it('coalesces a burst into at most one count per interval, ending at the exact count', async () => {
    const id = await article('w-burst');
    const watcher = await open();
    expect((await watch(watcher, { siteId, externalIds: ['w-burst'] })).ok).toBe(true);
    const seen: CountEvent[] = [];
    watcher.on('count', (event) => seen.push(event));
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        postComment(t.http, writer, id, `burst ${i}`).expect(201),
      ),
    );
    const last = nextEvent(watcher, 'count', (e) => e.commentCount === 10, 5_000);
    expect((await last).commentCount).toBe(10);
    const elapsed = Date.now() - started;
    // the first goes out at once, then at most one per 200 ms
    expect(seen.length).toBeLessThanOrEqual(Math.ceil(elapsed / 200) + 1);
    expect(seen.length).toBeLessThan(10);
    expect(seen.map((e) => e.commentCount)).toEqual(
      [...seen.map((e) => e.commentCount)].sort((x, y) => x - y),
    );
  });

  it('is neither a subscription nor a reader: presence and the 50-subscription limit ignore it', async () => {
    const id = await article('w-presence');
    const watcher = await open();
    const reader = await open();
    expect((await watch(watcher, { siteId, externalIds: ['w-presence'] })).ok).toBe(true);
    const ack = await subscribe(reader, { articleId: id });
    expect(ack).toMatchObject({ ok: true, readers: 1 });
  });

  it.each([
    ['no siteId', { externalIds: ['a'] }, 'siteId'],
    ['a malformed siteId', { siteId: 'x', externalIds: ['a'] }, 'siteId'],
    [
      'externalIds not an array',
      { siteId: '00000000-0000-4000-8000-000000000000', externalIds: 'a' },
      'externalIds',
    ],
    [
      'no externalIds',
      { siteId: '00000000-0000-4000-8000-000000000000', externalIds: [] },
      'externalIds',
    ],
    [
      'a malformed external id',
      { siteId: '00000000-0000-4000-8000-000000000000', externalIds: ['a b'] },
      'externalIds',
    ],
    [
      '201 ids',
      {
        siteId: '00000000-0000-4000-8000-000000000000',
        externalIds: Array.from({ length: 201 }, (_, i) => `i${i}`),
      },
      'externalIds',
    ],
    [
      'an unknown field',
      { siteId: '00000000-0000-4000-8000-000000000000', externalIds: ['a'], all: true },
      'all',
    ],
  ])('refuses %s with bad_request and stays connected', async (_what, body, field) => {
    const watcher = await open();
    const ack = await watch(watcher, body);
    expect(ack).toEqual({
      ok: false,
      error: { code: 'bad_request', message: expect.stringContaining(field) },
    });
    expect(watcher.connected).toBe(true);
  });

  it('answers not_found for an unknown site, and bad_request past 200 watched articles per connection', async () => {
    const watcher = await open();
    expect(
      await watch(watcher, { siteId: '00000000-0000-4000-8000-000000000000', externalIds: ['a'] }),
    ).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'site not found' },
    });
    await query(
      t.database.url,
      `INSERT INTO articles (id, slug, category, title, body, key_takeaways, published_at, updated_at, site_id, external_id)
       SELECT gen_random_uuid(), 'many-' || n, 'News', 'Story ' || n, '', '{}', now(), now(), $1, 'w-many-' || n
         FROM generate_series(0, 200) AS n`,
      [siteId],
    );
    const ids = (from: number, to: number): string[] =>
      Array.from({ length: to - from }, (_, i) => `w-many-${from + i}`);
    const first = await watch(watcher, { siteId, externalIds: ids(0, 150) });
    expect(Object.keys((first as { counts: object }).counts)).toHaveLength(150);
    // the same ones again do not count twice
    const again = await watch(watcher, { siteId, externalIds: ids(100, 200) });
    expect(Object.keys((again as { counts: object }).counts)).toHaveLength(100);
    expect(await watch(watcher, { siteId, externalIds: ids(200, 201) })).toEqual({
      ok: false,
      error: { code: 'bad_request', message: 'at most 200 watched articles per connection' },
    });
    expect(watcher.connected).toBe(true);
  });

  it('opens for pages on a site origin, refuses an unlisted origin', async () => {
    await expect(open(undefined, 'https://news.example')).resolves.toBeDefined();
    await expect(open(undefined, 'https://configured.example')).resolves.toBeDefined();
    await expect(open(undefined, 'https://evil.example')).rejects.toThrow();
  });
});
