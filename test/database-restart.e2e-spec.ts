/**
 * A real PostgreSQL restart (pg_ctl stop -m fast, a few seconds down, start) under a write load
 * against the compiled server: every answer is 2xx or a clean 503, the server recovers by
 * itself, and every acknowledged write is in the database afterwards.
 */
import { randomBytes } from 'node:crypto';
import { createPostgresCluster, type PostgresCluster } from './support/postgres-cluster';
import { killAllServers, type ServerProcess, startServer } from './support/server-process';
import { connect, subscribe } from './support/socket-clients';
import { query } from './support/test-database';

jest.setTimeout(180_000);

const JWT_SECRET = 'restart-test-secret-that-is-longer-than-32-chars';
const ADMIN = { username: 'restart_admin', password: 'restart-admin-password-1' };
const WRITERS = 6;
/** A request that takes longer than this counts as hung. */
const REQUEST_TIMEOUT_MS = 15_000;
const DIMENSIONS = ['interesting', 'support'] as const;
type Dimension = (typeof DIMENSIONS)[number];
type VoteValue = 'up' | 'down' | null;

interface Answer {
  status: number;
  body: unknown;
  retryAfter: string | null;
}
interface Writer {
  id: string;
  token: string;
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function call(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<Answer> {
  const response = await fetch(new URL(path, base), {
    method,
    headers: {
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: kept as text for the failure message
  }
  return { status: response.status, body: parsed, retryAfter: response.headers.get('retry-after') };
}

describe('PostgreSQL restarted under a write load', () => {
  let cluster: PostgresCluster | undefined;
  let server: ServerProcess;

  beforeAll(async () => {
    cluster = await createPostgresCluster();
    server = await startServer({
      DATABASE_URL: cluster.url,
      JWT_SECRET,
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      RATE_LIMITS: 'off',
    });
  });
  afterAll(async () => {
    await killAllServers();
    await cluster?.destroy();
  });

  it('answers 2xx or 503 (never 500, never hangs), recovers by itself and loses no acknowledged write', async () => {
    const base = server.url;
    const tag = randomBytes(4).toString('hex');
    const admin = await call(base, 'POST', '/api/auth/login', undefined, ADMIN);
    expect(admin.status).toBe(200);
    const adminToken = (admin.body as { accessToken: string }).accessToken;
    const article = await call(base, 'POST', '/api/articles', adminToken, {
      category: 'Outage',
      title: `Restart ${tag}`,
      keyTakeaways: [],
      followUps: [],
    });
    expect(article.status).toBe(201);
    const articleId = (article.body as { id: string }).id;
    const writers: Writer[] = [];
    for (let i = 0; i < WRITERS; i++) {
      const registered = await call(base, 'POST', '/api/auth/register', undefined, {
        username: `restart_${tag}_${i}`,
        password: 'password-123',
      });
      expect(registered.status).toBe(201);
      const body = registered.body as { user: { id: string }; accessToken: string };
      writers.push({ id: body.user.id, token: body.accessToken });
    }

    // ---- the load: each writer writes one request after the other ------------------------
    const answers: { what: string; answer: Answer }[] = [];
    const failures: string[] = [];
    const commentIds: string[] = [];
    let commentsSent = 0;
    let comments503 = 0;
    let votesSent = 0;
    /** per writer and dimension: the last acknowledged vote, and what was tried since (503) */
    const votes = new Map<string, { acked: VoteValue; since: Set<VoteValue> }>();
    let running = true;

    async function writeLoop(writer: Writer, index: number): Promise<void> {
      for (let n = 0; running; n++) {
        const dimension: Dimension = DIMENSIONS[(n + index) % 2]!;
        const key = `${writer.id}:${dimension}`;
        const state = votes.get(key) ?? { acked: null, since: new Set<VoteValue>() };
        votes.set(key, state);
        try {
          if (n % 2 === 0) {
            commentsSent++;
            const answer = await call(
              base,
              'POST',
              `/api/articles/${articleId}/comments`,
              writer.token,
              {
                body: `restart ${tag} ${index}/${n}`,
              },
            );
            answers.push({ what: 'POST comment', answer });
            if (answer.status === 201) commentIds.push((answer.body as { id: string }).id);
            if (answer.status === 503) comments503++;
          } else {
            votesSent++;
            const value: VoteValue = n % 7 === 0 ? null : n % 3 === 0 ? 'down' : 'up';
            const path = `/api/articles/${articleId}/votes/${dimension}`;
            const answer =
              value === null
                ? await call(base, 'DELETE', path, writer.token)
                : await call(base, 'PUT', path, writer.token, { value });
            answers.push({ what: `${value === null ? 'DELETE' : 'PUT'} vote`, answer });
            if (answer.status === 200) {
              state.acked = (answer.body as { myVote: VoteValue }).myVote;
              state.since.clear();
            } else {
              // not acknowledged: it may or may not have been committed
              state.since.add(value);
            }
          }
        } catch (error) {
          failures.push(`${writer.id}: ${(error as Error).name} ${(error as Error).message}`);
        }
        await delay(5);
      }
    }

    const load = writers.map((writer, index) => writeLoop(writer, index));
    await delay(2_000);
    const beforeStop = answers.length;
    await cluster!.stop();
    await delay(500);
    // a valid token while the database is down: not "unauthorized"
    const handshake = await connect(base, writers[0]!.token).then(
      (socket) => {
        socket.close();
        return 'connected';
      },
      (error: Error) => error.message,
    );
    // a reader socket (no token) connects, but its subscribe cannot read the article
    const reader = await connect(base);
    const subscribeAck = await subscribe(reader, { articleId });
    reader.close();
    await delay(1_500);
    const health = await call(base, 'GET', '/health');
    // the reader page is HTML: a short "try again" page, 503 with Retry-After
    const page = await fetch(`${base}/articles/${articleId}`);
    const pageText = await page.text();
    await cluster!.start();
    await delay(4_000);
    running = false;
    await Promise.all(load);

    // ---- recovery, by itself ------------------------------------------------------------------
    let healthyAfterMs = 0;
    for (const started = Date.now(); ;) {
      if ((await call(base, 'GET', '/health')).status === 200) {
        healthyAfterMs = Date.now() - started;
        break;
      }
      if (Date.now() - started > 20_000)
        throw new Error('/health not 200 within 20 s of the restart');
      await delay(100);
    }
    for (const writer of writers) {
      const comment = await call(
        base,
        'POST',
        `/api/articles/${articleId}/comments`,
        writer.token,
        {
          body: `restart ${tag} after`,
        },
      );
      expect(comment.status).toBe(201);
      commentIds.push((comment.body as { id: string }).id);
      const vote = await call(
        base,
        'PUT',
        `/api/articles/${articleId}/votes/support`,
        writer.token,
        {
          value: 'up',
        },
      );
      expect(vote.status).toBe(200);
      votes.set(`${writer.id}:support`, { acked: 'up', since: new Set() });
    }
    const socket = await connect(base, writers[0]!.token);
    socket.close();

    // ---- what was answered ----------------------------------------------------------------------
    const ok = answers.filter(({ answer }) => answer.status >= 200 && answer.status < 300);
    const unavailable = answers.filter(({ answer }) => answer.status === 503);
    const odd = answers.filter(
      ({ answer }) => !(answer.status >= 200 && answer.status < 300) && answer.status !== 503,
    );

    // ---- what is stored -------------------------------------------------------------------------
    const storedComments = await query<{ id: string }>(
      cluster!.url,
      'SELECT id FROM comments WHERE article_id = $1 AND body LIKE $2',
      [articleId, `restart ${tag} %`],
    );
    const storedIds = new Set(storedComments.map((row) => row.id));
    const foundComments = commentIds.filter((id) => storedIds.has(id)).length;
    const storedVotes = await query<{
      user_id: string;
      dimension: Dimension;
      value: 'up' | 'down';
    }>(cluster!.url, 'SELECT user_id, dimension, value FROM votes WHERE article_id = $1', [
      articleId,
    ]);
    const stored = new Map(
      storedVotes.map((row) => [`${row.user_id}:${row.dimension}`, row.value]),
    );
    let votesExact = 0;
    const lostVotes: string[] = [];
    for (const [key, state] of votes) {
      const value = stored.get(key) ?? null;
      if (value === state.acked) votesExact++;
      else if (!state.since.has(value)) {
        lostVotes.push(`${key}: acknowledged ${state.acked}, stored ${value}`);
      }
    }
    const [recount] = await query<Record<string, number>>(
      cluster!.url,
      `SELECT a.interesting_up, a.interesting_down, a.support_up, a.support_down,
              (SELECT count(*) FROM votes v WHERE v.article_id = a.id AND v.dimension = 'interesting' AND v.value = 'up')::int AS c_interesting_up,
              (SELECT count(*) FROM votes v WHERE v.article_id = a.id AND v.dimension = 'interesting' AND v.value = 'down')::int AS c_interesting_down,
              (SELECT count(*) FROM votes v WHERE v.article_id = a.id AND v.dimension = 'support' AND v.value = 'up')::int AS c_support_up,
              (SELECT count(*) FROM votes v WHERE v.article_id = a.id AND v.dimension = 'support' AND v.value = 'down')::int AS c_support_down
         FROM articles a WHERE a.id = $1`,
      [articleId],
    );

    console.log(
      [
        `PostgreSQL restart: ${answers.length} writes answered (${beforeStop} before the stop; ${commentsSent} comments, ${votesSent} votes sent)`,
        `  ${ok.length} acknowledged (2xx), ${unavailable.length} answered 503, ${odd.length} other, ${failures.length} failed/hung`,
        `  comments: ${commentIds.length} acknowledged (incl. ${writers.length} after), ${foundComments} found after; ${storedIds.size} stored in all (${comments503} answered 503)`,
        `  votes: ${votes.size} user×dimension states, ${votesExact} equal to the last acknowledged vote, ${lostVotes.length} lost`,
        `  /health while down: ${health.status}; healthy again ${healthyAfterMs} ms after the load ended; socket handshake while down: "${handshake}"`,
        // why a request was not a 2xx or a 503, as the server logged it
        ...(odd.length
          ? server
              .output()
              .split('\n')
              .filter((line) => line.includes('"context":"HttpExceptionFilter"'))
              .filter((line) => line.includes('"level":50'))
              .slice(-3)
              .map((line) => `  server: ${line.slice(0, 1500)}`)
          : []),
      ].join('\n'),
    );

    // every answer was 2xx or a clean 503; nothing failed or hung
    expect(failures).toEqual([]);
    expect(
      odd.map(({ what, answer }) => `${what}: ${answer.status} ${JSON.stringify(answer.body)}`),
    ).toEqual([]);
    expect(unavailable.length).toBeGreaterThan(0);
    for (const { answer } of unavailable) {
      expect(answer.retryAfter).toBe('1');
      expect(answer.body).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'database unavailable; try again',
      });
    }
    expect(health.status).toBe(503);
    expect(handshake).toBe('unavailable');
    expect(subscribeAck).toEqual({
      ok: false,
      error: { code: 'unavailable', message: expect.stringMatching(/try again/) },
    });
    expect(page.status).toBe(503);
    expect(page.headers.get('retry-after')).toBe('1');
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(pageText).toMatch(/Please try again/);
    // every acknowledged write is stored
    expect(new Set(commentIds).size).toBe(commentIds.length);
    expect(foundComments).toBe(commentIds.length);
    // nothing beyond the acknowledged ones, except writes whose answer was a 503
    expect(storedIds.size - commentIds.length).toBeLessThanOrEqual(comments503);
    expect(lostVotes).toEqual([]);
    // tallies equal a recount of the stored votes
    expect(recount).toBeDefined();
    for (const counter of ['interesting_up', 'interesting_down', 'support_up', 'support_down']) {
      expect(`${counter} ${recount![counter]}`).toBe(`${counter} ${recount![`c_${counter}`]}`);
    }
  });
});
