import request from 'supertest';
import { bearer, createArticle, loginAdmin, registerUser } from './support/factories';
import { connect, nextEvent, subscribe, type TestSocket } from './support/socket-clients';
import { startTestApp, type TestApp } from './support/test-app';

describe('realtime smoke', () => {
  let t: TestApp;
  let articleId: string;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    t = await startTestApp({}, { listen: true });
    const admin = await loginAdmin(t.http);
    articleId = await createArticle(t.http, admin, {
      category: 'News',
      title: 'Live',
      keyTakeaways: [],
      followUps: [],
    });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await t.close();
  });

  it('an observer sees a comment and a tally posted by another user', async () => {
    const observer = await connect(t.url);
    sockets.push(observer);
    const ack = await subscribe(observer, { articleId });
    expect(ack).toMatchObject({ ok: true, seq: 0, readers: 1, missed: [] });
    const user = await registerUser(t.http);
    const commentSeen = nextEvent(observer, 'comment.created');
    const tallySeen = nextEvent(observer, 'tally');
    await request(t.http)
      .post(`/api/articles/${articleId}/comments`)
      .set(...bearer(user))
      .send({ body: 'hi' })
      .expect(201);
    await request(t.http)
      .put(`/api/articles/${articleId}/votes/support`)
      .set(...bearer(user))
      .send({ value: 'up' })
      .expect(200);
    expect(await commentSeen).toMatchObject({ articleId, seq: 1, comment: { body: 'hi' } });
    expect(await tallySeen).toMatchObject({ articleId, tallies: { support: { up: 1, down: 0 } } });

    const late = await connect(t.url, user.accessToken);
    sockets.push(late);
    const replay = await subscribe(late, { articleId, since: 0 });
    expect(replay).toMatchObject({
      ok: true,
      seq: 1,
      missed: [{ type: 'comment.created', seq: 1 }],
    });
  });

  it('counts what happened in GET /metrics (Prometheus text)', async () => {
    const res = await request(t.http).get('/metrics').expect(200);
    const text = res.text;
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(text).toMatch(/^townhall_events_sent_total\{type="comment.created"\} 1$/m);
    expect(text).toMatch(/^townhall_events_sent_total\{type="tally"\} 1$/m);
    expect(text).toMatch(/^townhall_votes_total 1$/m);
    expect(text).toMatch(/^townhall_comment_events_total\{type="comment.created"\} 1$/m);
    expect(text).toMatch(/^townhall_sockets_connected 2$/m);
    expect(text).toMatch(/^townhall_subscriptions 2$/m);
    expect(text).toMatch(
      /^townhall_write_to_broadcast_seconds_count\{type="comment.created"\} 1$/m,
    );
    expect(text).toMatch(
      /^townhall_http_request_duration_seconds_count\{method="POST",route="\/api\/articles\/:id\/comments",status="201"\} 1$/m,
    );
    expect(text).toMatch(/^townhall_redis_connected 1$/m);
  });
});
