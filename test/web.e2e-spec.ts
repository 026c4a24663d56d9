import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
} from 'playwright-core';
import request from 'supertest';
import {
  CHROMIUM,
  containsText,
  hasAttribute,
  hasCount,
  hasText,
  WAIT_MS,
} from './support/browser';
import { bearer, loginAdmin, postComment, registerUser, uniqueName } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';

const SHOTS = join(__dirname, '..', 'test-output', 'web');
const XSS = '<img src=x onerror=alert(1)>';

/**
 * The reader page in a real browser (Debian's Chromium driven by playwright-core): an
 * anonymous reader, a signed-in user and an admin on the same article, each in its own
 * browser context, against the real app.
 */
describe('reader page in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let slug: string;
  let articleId: string;
  const contexts: BrowserContext[] = [];
  const dialogs: string[] = [];
  /** Console messages of every page about something the Content-Security-Policy blocked. */
  const cspViolations: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    [t, browser] = await Promise.all([
      startTestApp({ SEED_DEMO: 'true' }, { listen: true }),
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      }),
    ]);
    const list = await request(t.http).get('/api/articles').expect(200);
    const demo = (list.body as { items: { id: string; slug: string }[] }).items[0]!;
    slug = demo.slug;
    articleId = demo.id;
  }, 30_000);

  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    await t?.close();
  });

  /** A fresh browser profile; any alert() (an XSS that ran) is recorded and fails the test. */
  async function open(
    options: { javaScriptEnabled?: boolean; width?: number } = {},
  ): Promise<Page> {
    const context = await browser.newContext({
      baseURL: t.url,
      javaScriptEnabled: options.javaScriptEnabled ?? true,
      viewport: { width: options.width ?? 1000, height: 900 },
    });
    contexts.push(context);
    context.setDefaultTimeout(WAIT_MS);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) {
        cspViolations.push(`${page.url()}: ${message.text()}`);
      }
    });
    page.on('dialog', (dialog) => {
      if (dialog.type() === 'alert') {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      }
    });
    return page;
  }

  const shot = (page: Page, name: string): Promise<Buffer> =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  /** The innermost comment whose body contains `text`. */
  const commentItem = (page: Page, text: string): Locator =>
    page
      .locator('li.comment')
      .filter({ has: page.locator('.comment__body', { hasText: text }) })
      .last();

  const comment = (page: Page, text: string) =>
    page.locator('[data-thread] .comment__body').filter({ hasText: text });

  it('lists articles at /, serves hashed assets for a year, and answers an unknown slug with a 404 page', async () => {
    const home = await request(t.http).get('/').expect(200);
    expect(home.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
    expect(home.text).toContain('Important News');
    expect(home.text).toContain(`href="/articles/${slug}"`);
    expect(home.text).toContain('Interesting: 0/0 • Support: 0/0');

    const page = await request(t.http).get(`/articles/${slug}`).expect(200);
    const script = /<script src="(\/assets\/article-\w+\.js)" defer><\/script>/.exec(page.text);
    const style = /<link rel="stylesheet" href="(\/assets\/townhall-\w+\.css)" \/>/.exec(page.text);
    expect(script && style).toBeTruthy();
    const js = await request(t.http).get(script![1]!).expect(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const css = await request(t.http).get(style![1]!).expect(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    await request(t.http).get('/assets/manifest.json').expect(404);
    await request(t.http).get('/assets/..%2Fsrc%2Fmain.js').expect(404);

    const missing = await request(t.http).get('/articles/no-such-article').expect(404);
    expect(missing.headers['content-type']).toMatch(/^text\/html/);
    expect(missing.text).toContain('Page not found');

    const docs = await request(t.http).get('/api/docs-json').expect(200);
    const paths = Object.keys((docs.body as { paths: Record<string, unknown> }).paths);
    expect(paths.filter((p) => p === '/' || /^\/(articles|assets)\//.test(p))).toEqual([]);
  });

  it('shows the article and its threaded comments without JavaScript, user text escaped', async () => {
    const user = await registerUser(t.http, uniqueName('nojs'));
    const admin = await loginAdmin(t.http);
    const parent = await postComment(t.http, user, articleId, 'A parent that gets removed').expect(
      201,
    );
    const parentId = (parent.body as { id: string }).id;
    await postComment(t.http, user, articleId, 'A reply that stays', parentId).expect(201);
    await postComment(t.http, user, articleId, `Plain text: ${XSS}`).expect(201);
    await request(t.http)
      .post(`/api/comments/${parentId}/remove`)
      .set(...bearer(admin))
      .send({ reason: 'test' })
      .expect(200);

    const page = await open({ javaScriptEnabled: false, width: 390 });
    await page.goto(`/articles/${slug}`);
    await hasText(page.locator('.category').first(), 'Important News');
    await containsText(page.locator('h1'), 'Rubio and Mexico’s Foreign Secretary');
    await page.getByRole('heading', { name: 'Key takeaways' }).waitFor({ state: 'visible' });
    await hasCount(page.locator('.takeaways li'), 6);
    await page.getByRole('heading', { name: 'Follow Up Questions' }).waitFor({ state: 'visible' });
    const followUp = page.locator('details.follow-up').first();
    await containsText(followUp.locator('summary'), 'Juan Ramón de la Fuente');
    await followUp.locator('.follow-up__answer').waitFor({ state: 'hidden' });
    await followUp.locator('summary').click();
    await containsText(followUp.locator('.follow-up__answer'), 'Secretary of Foreign Affairs');
    await containsText(page.locator('.tallies'), 'Interesting: 0/0');
    await page.getByText('Only logged-in users can comment.').waitFor({ state: 'visible' });
    await containsText(page.locator('noscript'), 'need JavaScript');

    // the removed parent is a tombstone that keeps its reply in place
    const tombstone = page.locator(`#comment-${parentId}`);
    await hasText(
      tombstone.locator(':scope > .comment__card'),
      'This comment was removed by a moderator.',
    );
    await hasText(tombstone.locator('.replies .comment__body'), 'A reply that stays');
    await hasCount(page.getByText('A parent that gets removed'), 0);
    await hasText(comment(page, 'Plain text:'), `Plain text: ${XSS}`);
    await hasCount(page.locator('[data-thread] img'), 0);
    await shot(page, '01-no-javascript-phone');
  });

  it('keeps a reader live: votes, buffered new comments, escaping, removals and reconnects', async () => {
    const reader = await open();
    await reader.goto(`/articles/${slug}`);
    await hasText(reader.locator('[data-presence]'), /1 person reading now/);
    await reader.getByRole('heading', { name: 'Sign in' }).waitFor({ state: 'visible' });
    await shot(reader, '02-reader-anonymous');

    // a user registers through the page's form
    const user = await open();
    await user.goto(`/articles/${slug}`);
    const username = uniqueName('web');
    await user.getByLabel('Username (3–32').fill(username);
    await user.getByLabel('Display name').fill('Web User');
    await user.getByLabel('Password (8 or more').fill('password-123');
    await user.getByRole('button', { name: 'Register' }).click();
    await user.getByText('Signed in as Web User').waitFor({ state: 'visible' });
    await user.getByLabel('Your comment').waitFor({ state: 'visible' });
    await user.getByText('Only logged-in users can comment.').waitFor({ state: 'hidden' });
    await hasText(reader.locator('[data-presence]'), /2 people reading now/);

    // votes: own vote pressed, the reader's tally moves without a reload; again retracts
    const up = user.getByRole('button', { name: 'Interesting: vote up' });
    const readerInteresting = reader.locator('[data-dimension="interesting"] .tally__text');
    await up.click();
    await hasAttribute(up, 'aria-pressed', 'true');
    await hasText(readerInteresting, 'Interesting: 1/0');
    await shot(user, '03-user-voted');
    await up.click();
    await hasAttribute(up, 'aria-pressed', 'false');
    await hasText(readerInteresting, 'Interesting: 0/0');
    await user.getByRole('button', { name: 'Support: vote down' }).click();
    await hasText(reader.locator('[data-dimension="support"] .tally__text'), 'Support: 0/1');

    // a new comment waits behind "1 new comment" on the reader's page
    await user.getByLabel('Your comment').fill('Hello from the browser');
    await user.getByRole('button', { name: 'Post comment' }).click();
    await comment(user, 'Hello from the browser').waitFor({ state: 'visible' });
    const newComments = reader.locator('[data-new-comments]');
    await hasText(newComments, '1 new comment');
    await hasCount(comment(reader, 'Hello from the browser'), 0);
    await shot(reader, '04-reader-new-comment-button');
    await newComments.click();
    await comment(reader, 'Hello from the browser').waitFor({ state: 'visible' });
    await newComments.waitFor({ state: 'hidden' });

    // an XSS attempt is text, live and server-rendered
    await user.getByLabel('Your comment').fill(XSS);
    await user.getByRole('button', { name: 'Post comment' }).click();
    await hasText(newComments, '1 new comment');
    await newComments.click();
    await hasText(reader.locator('[data-thread] .comment__body').first(), XSS);
    await hasCount(reader.locator('[data-thread] img'), 0);
    await shot(reader, '05-reader-xss-as-text');

    // the user reports it; the admin's moderation queue fills live
    const admin = await open();
    await admin.goto(`/articles/${slug}`);
    await admin.getByLabel('Username', { exact: true }).fill('admin');
    await admin.getByLabel('Password', { exact: true }).fill('admin-password-1');
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await admin.getByRole('heading', { name: 'Moderation queue' }).waitFor({ state: 'visible' });
    await admin.getByText('No open reports.').waitFor({ state: 'visible' });
    const reported = commentItem(user, 'Plain text:');
    await hasCount(reported.getByRole('button', { name: 'Delete' }), 0);
    user.once('dialog', (dialog) => void dialog.accept('spam'));
    await reported.getByText('More').click();
    await reported.getByRole('button', { name: 'Report' }).click();
    await containsText(user.locator('[data-status-line]'), 'moderators will look');
    await hasCount(admin.locator('[data-mod-queue-list] li'), 1);
    await containsText(admin.locator('[data-mod-queue-list]'), '1 report');
    await shot(admin, '06-admin-queue');

    // the admin removes the first comment from its menu: it vanishes from the reader's page
    const hello = commentItem(admin, 'Hello from the browser');
    admin.once('dialog', (dialog) => void dialog.accept('off topic'));
    await hello.getByText('More').click();
    await hello.getByRole('button', { name: 'Remove' }).click();
    await hasText(hello.locator('.badge'), 'Removed');
    await hasCount(comment(reader, 'Hello from the browser'), 0);
    await hasText(reader.locator('[data-comment-count]'), '3');
    await shot(reader, '07-reader-after-removal');

    // removed while still in the reader's buffer: the button goes away with it
    await user.getByLabel('Your comment').fill('Short-lived');
    await user.getByRole('button', { name: 'Post comment' }).click();
    await hasText(newComments, '1 new comment');
    await hasText(admin.locator('[data-new-comments]'), '1 new comment');
    await admin.locator('[data-new-comments]').click();
    const shortLived = commentItem(admin, 'Short-lived');
    admin.once('dialog', (dialog) => void dialog.accept('spam'));
    await shortLived.getByText('More').click();
    await shortLived.getByRole('button', { name: 'Remove' }).click();
    await newComments.waitFor({ state: 'hidden' });

    // offline, then back: the reader resubscribes since its last seq and shows what it missed
    await reader.context().setOffline(true);
    await user.getByLabel('Your comment').fill('Posted while you were away');
    await user.getByRole('button', { name: 'Post comment' }).click();
    await comment(user, 'Posted while you were away').waitFor({ state: 'visible' });
    await reader.context().setOffline(false);
    await hasText(
      reader.locator('[data-status-line]'),
      'Reconnected. 1 update while you were away.',
      { timeout: 15_000 },
    );
    await hasText(newComments, '1 new comment');
    await newComments.click();
    await comment(reader, 'Posted while you were away').waitFor({ state: 'visible' });
    await shot(reader, '08-reader-after-reconnect');

    // a reload renders the same thread on the server, escaped
    await reader.reload();
    await hasCount(reader.locator('[data-thread]').getByText(XSS, { exact: true }), 1);
    await hasCount(reader.locator('[data-thread] img'), 0);
    await hasCount(comment(reader, 'Hello from the browser'), 0);
    await hasText(reader.locator('[data-dimension="support"] .tally__text'), 'Support: 0/1');
    await shot(reader, '09-reader-reloaded');
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  }, 60_000);

  it('renders the OpenAPI UI at /api/docs within its Content-Security-Policy', async () => {
    const page = await open();
    const response = await page.goto('/api/docs');
    expect(response?.status()).toBe(200);
    expect(await response?.headerValue('content-security-policy')).toContain("script-src 'self'");
    await containsText(page.locator('.swagger-ui .info .title'), 'Townhall');
    await page.locator('.opblock-tag', { hasText: 'auth' }).first().waitFor({ state: 'visible' });
    await shot(page, '10-api-docs');
    expect(cspViolations).toEqual([]);
  });
});
