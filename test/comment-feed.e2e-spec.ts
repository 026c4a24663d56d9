import request from 'supertest';
import { xml2js, type Element } from 'xml-js';
import {
  bearer,
  createArticle,
  loginAdmin,
  postComment,
  registerUser,
  type TestUser,
} from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';

function children(element: Element | undefined, name: string): Element[] {
  return (element?.elements ?? []).filter((child) => child.name === name);
}
function text(element: Element | undefined): string {
  return (element?.elements ?? []).map((child) => child.text ?? child.cdata ?? '').join('');
}

describe('GET /articles/:slug/comments.atom', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ PUBLIC_URL: 'https://comments.example.com' });
    admin = await loginAdmin(t.http);
  });

  afterAll(() => t.close());

  it('is an Atom feed of the latest 50 visible comments, newest first, escaped', async () => {
    const articleId = await createArticle(t.http, admin, {
      slug: 'feed-story',
      title: 'Feed & <story>',
    });
    const reader = await registerUser(t.http);
    const ids: string[] = [];
    for (let i = 1; i <= 52; i++) {
      const res = await postComment(t.http, reader, articleId, `comment ${i}`).expect(201);
      ids.push((res.body as { id: string }).id);
    }
    const hostile = '<script>alert(1)</script> ]]> & "quotes"\nsecond line';
    const last = await postComment(t.http, reader, articleId, hostile, ids[0]).expect(201);
    const removed = await postComment(t.http, reader, articleId, 'to be deleted').expect(201);
    await request(t.http)
      .delete(`/api/comments/${(removed.body as { id: string }).id}`)
      .set(...bearer(reader))
      .expect(204);

    const res = await request(t.http).get('/articles/feed-story/comments.atom').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/atom\+xml/);
    const body = res.text;
    expect(body).not.toContain('<script>');
    const document = xml2js(body) as Element;
    const feed = children(document, 'feed')[0];
    expect(feed?.attributes?.xmlns).toBe('http://www.w3.org/2005/Atom');
    expect(text(children(feed, 'title')[0])).toBe('Comments on Feed & <story>');
    const entries = children(feed, 'entry');
    expect(entries).toHaveLength(50);
    const entryIds = entries.map((entry) => text(children(entry, 'id')[0]));
    const lastId = (last.body as { id: string }).id;
    // newest first: the reply, then comments 52 … 4; the deleted one is not there
    expect(entryIds).toEqual([lastId, ...ids.slice(3).reverse()].map((id) => `urn:uuid:${id}`));
    const newest = entries[0]!;
    const content = children(newest, 'content')[0];
    expect(content?.attributes?.type).toBe('html');
    expect(text(content)).toBe(
      '&lt;script&gt;alert(1)&lt;/script&gt; ]]&gt; &amp; &quot;quotes&quot;<br>\nsecond line',
    );
    expect(children(newest, 'link')[0]?.attributes?.href).toBe(
      `https://comments.example.com/comments/${lastId}`,
    );
  });

  it('an unknown article is a 404', async () => {
    await request(t.http).get('/articles/no-such-story/comments.atom').expect(404);
  });
});
