/**
 * The notifications inbox in Chromium (API.md "Notifications and e-mail"): on the reader page
 * and in the embed's frame, a signed-in reader's unread badge moves live when someone replies,
 * the panel lists the notification with a link to the reply, and marking read (one, then all)
 * clears it, by mouse and keyboard, in English and German, light and dark.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import type { Browser, BrowserContext, Frame, Locator, Page } from 'playwright-core';
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
import { eventually, hasText, HostPages, launchChromium, textOf, WAIT_MS } from './support/browser';
import { freePort, startTestApp, type TestApp } from './support/test-app';

const SHOTS = join(__dirname, '..', 'test-output', 'web');

/** Relative luminance (0 black … 1 white) of a computed `rgb(r, g, b)` colour. */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number) as [
    number,
    number,
    number,
  ];
  const linear = (c: number): number =>
    c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4;
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

const background = (locator: Locator): Promise<string> =>
  locator.evaluate(
    (element) =>
      (
        globalThis as unknown as {
          getComputedStyle(e: unknown): { backgroundColor: string; color: string };
        }
      ).getComputedStyle(element).backgroundColor,
  );

describe('notifications inbox in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let admin: TestUser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const port = await freePort();
    [t, browser] = await Promise.all([
      startTestApp({ PUBLIC_URL: `http://127.0.0.1:${port}` }, { listen: true, port }),
      launchChromium(),
    ]);
    admin = await loginAdmin(t.http);
  }, 30_000);
  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    await t?.close();
  });

  const unreadCount = async (user: { accessToken: string }): Promise<number> =>
    (
      (
        await request(t.http)
          .get('/api/notifications/unread-count')
          .set('Authorization', `Bearer ${user.accessToken}`)
          .expect(200)
      ).body as { count: number }
    ).count;
  const idOf = (response: request.Response): string => (response.body as { id: string }).id;

  /** The reader page of `slug` in a fresh profile, signed in as `user` (its stored session). */
  async function readerPage(slug: string, user: TestUser, dark = false): Promise<Page> {
    const context = await browser.newContext({
      baseURL: t.url,
      viewport: { width: 900, height: 800 },
      colorScheme: dark ? 'dark' : 'light',
    });
    context.setDefaultTimeout(WAIT_MS);
    contexts.push(context);
    await context.addInitScript(
      `localStorage.setItem('townhall.session', ${JSON.stringify(
        JSON.stringify({ accessToken: user.accessToken, refreshToken: user.refreshToken }),
      )})`,
    );
    const page = await context.newPage();
    await page.goto(`/articles/${slug}`);
    return page;
  }

  it('reader page: the badge goes 0 → 1 live on a reply, the panel links to it, mark-read clears it', async () => {
    const articleId = await createArticle(t.http, admin, { title: 'Inbox story' });
    const { slug } = (await request(t.http).get(`/api/articles/${articleId}`).expect(200)).body as {
      slug: string;
    };
    const alice = await registerUser(t.http);
    const bob = await registerUser(t.http);
    const moderator = await userWithRole(t.http, admin, 'moderator');
    const question = idOf(await postComment(t.http, alice, articleId, 'What now?').expect(201));

    const page = await readerPage(slug, alice);
    const toggle = page.locator('[data-inbox-toggle]');
    const badge = page.locator('[data-inbox-badge]');
    await hasText(badge, '0');
    expect(await toggle.getAttribute('aria-label')).toBe('Notifications, 0 unread');
    // live only once the page's socket is connected (the presence count comes over it)
    await hasText(page.locator('[data-presence]'), /1 person reading now/);

    const reply = idOf(
      await postComment(t.http, bob, articleId, 'Now we wait and see.', question).expect(201),
    );
    await hasText(badge, '1');
    expect(await toggle.getAttribute('aria-label')).toBe('Notifications, 1 unread');

    // keyboard: the button opens the panel, which lists the reply with a link to it
    await toggle.focus();
    await page.keyboard.press('Enter');
    const panel = page.locator('[data-inbox-panel]');
    await eventually(async () => expect(await panel.isVisible()).toBe(true));
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    const item = panel.locator('[data-inbox-item]').first();
    await hasText(item.locator('.inbox__headline'), `${bob.username} replied to your comment`);
    await hasText(item.locator('.inbox__quote'), '“Now we wait and see.”');
    expect(await item.getAttribute('data-unread')).toBe('true');
    expect(await item.locator('a').getAttribute('href')).toBe(`/comments/${reply}`);
    await page.screenshot({ path: join(SHOTS, '30-inbox-light.png') });

    // mark this one read: the badge and the stored state agree
    await item.getByRole('button', { name: 'Mark read' }).click();
    await hasText(badge, '0');
    expect(await item.getAttribute('data-unread')).toBe('false');
    expect(await unreadCount(alice)).toBe(0);

    // Escape closes the panel and gives the focus back to the button
    // the focus stayed in the panel, on the notification's link
    expect(await page.evaluate('document.activeElement?.className')).toBe('inbox__link');
    await page.keyboard.press('Escape');
    await eventually(async () => expect(await panel.isVisible()).toBe(false));
    expect(await page.evaluate('document.activeElement?.dataset.inboxToggle')).toBe('');

    // two more, one a moderator's feature: live while closed; then all read at once
    await postComment(t.http, bob, articleId, 'And another thing.', question).expect(201);
    await request(t.http)
      .post(`/api/comments/${question}/feature`)
      .set(...bearer(moderator))
      .expect(200);
    await hasText(badge, '2');
    await toggle.click();
    await eventually(async () =>
      expect(await panel.locator('[data-inbox-item][data-unread="true"]').count()).toBe(2),
    );
    await hasText(
      panel.locator('[data-inbox-item]').first().locator('.inbox__headline'),
      'Your comment was featured',
    );
    await panel.getByRole('button', { name: 'Mark all read' }).click();
    await hasText(badge, '0');
    expect(await panel.locator('[data-inbox-item][data-unread="true"]').count()).toBe(0);
    expect(await unreadCount(alice)).toBe(0);

    // the link goes to the reply shown on this page, without a reload
    await panel.locator(`a[href="/comments/${reply}"]`).click();
    await eventually(async () =>
      expect(await page.evaluate('document.activeElement?.id')).toBe(`comment-${reply}`),
    );
    expect(await panel.isVisible()).toBe(false);

    // signed out: no badge
    await page.locator('[data-sign-out]').click();
    await eventually(async () => expect(await toggle.isVisible()).toBe(false));
  });

  it('dark theme: the panel takes the dark colours', async () => {
    const articleId = await createArticle(t.http, admin, { title: 'Inbox at night' });
    const { slug } = (await request(t.http).get(`/api/articles/${articleId}`).expect(200)).body as {
      slug: string;
    };
    const carol = await registerUser(t.http);
    const page = await readerPage(slug, carol, true);
    await hasText(page.locator('[data-inbox-badge]'), '0');
    await page.locator('[data-inbox-toggle]').click();
    const panel = page.locator('[data-inbox-panel]');
    await hasText(panel.locator('[data-inbox-empty]'), 'No notifications yet.');
    expect(luminance(await background(panel))).toBeLessThan(0.1);
    expect(
      luminance(
        await page.evaluate(`getComputedStyle(document.querySelector('[data-inbox-panel]')).color`),
      ),
    ).toBeGreaterThan(0.5);
    await page.screenshot({ path: join(SHOTS, '31-inbox-dark.png') });
  });

  describe('in the embed', () => {
    let host: HostPages;
    let site: { id: string; ssoSecret: string };

    beforeAll(async () => {
      host = await new HostPages().start();
      site = (
        await request(t.http)
          .post('/api/sites')
          .set(...bearer(admin))
          .send({ name: 'Inbox Times', origins: [host.origin] })
          .expect(201)
      ).body as { id: string; ssoSecret: string };
    });
    afterAll(() => host?.close());

    const sso = (sub: string, name: string): Promise<string> =>
      new SignJWT({ sub, name })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode(site.ssoSecret));

    async function townhallFrame(page: Page): Promise<Frame> {
      let found: Frame | undefined;
      await eventually(async () => {
        found = page.frames().find((frame) => frame.url().startsWith(`${t.url}/embed/`));
        expect(found).toBeDefined();
        expect(await found!.locator('[data-tallies]').count()).toBe(1);
      });
      return found!;
    }

    it('German frame, dark theme: the SSO reader’s badge moves live; the panel marks all read', async () => {
      const articleId = (
        (
          await request(t.http)
            .put(`/api/sites/${site.id}/articles/inbox-1`)
            .set(...bearer(admin))
            .send({ title: 'Story inbox-1', category: 'News' })
            .expect(201)
        ).body as { id: string }
      ).id;
      const token = await sso('inbox-reader', 'Ilse Leserin');
      const session = (
        await request(t.http).post('/api/auth/sso').send({ siteId: site.id, token }).expect(200)
      ).body as { user: { id: string }; accessToken: string; refreshToken: string };
      const ilse = { accessToken: session.accessToken };
      const question = (
        await request(t.http)
          .post(`/api/articles/${articleId}/comments`)
          .set('Authorization', `Bearer ${session.accessToken}`)
          .send({ body: 'Was meinen Sie?' })
          .expect(201)
      ).body as { id: string };

      const context = await browser.newContext({ viewport: { width: 800, height: 700 } });
      context.setDefaultTimeout(WAIT_MS);
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(
        host.page(`<div data-townhall data-site="${site.id}" data-article="inbox-1" data-lang="de" data-theme="dark" data-sso="${token}"></div>
          <script src="${t.url}/embed.js" async></script>`),
      );
      const frame = await townhallFrame(page);
      await hasText(frame.locator('[data-account-name]'), 'Angemeldet als Ilse Leserin');
      const toggle = frame.locator('[data-inbox-toggle]');
      const badge = frame.locator('[data-inbox-badge]');
      await hasText(badge, '0');
      expect(await toggle.getAttribute('aria-label')).toBe('Benachrichtigungen, 0 ungelesen');
      await hasText(frame.locator('[data-presence]'), /liest gerade|lesen gerade/);

      const bob = await registerUser(t.http);
      await postComment(t.http, bob, articleId, 'Abwarten.', question.id).expect(201);
      await hasText(badge, '1');

      await toggle.click();
      const panel = frame.locator('[data-inbox-panel]');
      const item = panel.locator('[data-inbox-item]').first();
      await hasText(
        item.locator('.inbox__headline'),
        `${bob.username} hat auf Ihren Kommentar geantwortet`,
      );
      expect(luminance(await background(panel))).toBeLessThan(0.1);
      // in the flow of the frame, which grows to show it (no inner scroll bar)
      const iframe = page.locator('iframe[data-townhall-frame]');
      await eventually(async () => {
        const height = await iframe.evaluate((element) => element.getBoundingClientRect().height);
        const bottom = await panel.evaluate((element) => element.getBoundingClientRect().bottom);
        expect(height).toBeGreaterThanOrEqual(bottom);
      });
      await page.screenshot({ path: join(SHOTS, '32-inbox-embed-de-dark.png'), fullPage: true });

      await panel.getByRole('button', { name: 'Alle als gelesen markieren' }).click();
      await hasText(badge, '0');
      expect(await textOf(item.locator('.inbox__headline'))).toContain('geantwortet');
      expect(await item.getAttribute('data-unread')).toBe('false');
      expect(await unreadCount(ilse)).toBe(0);
    });

    it('a permalink leads to the publisher’s page, whose frame marks the comment and scrolls the page to it', async () => {
      // the publisher's article page, tall above the comments, and its URL on the article
      const articleUrl = host.page(`<div style="height:2400px">the article</div>
        <div data-townhall data-site="${site.id}" data-article="inbox-2"></div>
        <script src="${t.url}/embed.js" async></script>`);
      const articleId = (
        (
          await request(t.http)
            .put(`/api/sites/${site.id}/articles/inbox-2`)
            .set(...bearer(admin))
            .send({ title: 'Story inbox-2', category: 'News', url: articleUrl })
            .expect(201)
        ).body as { id: string }
      ).id;
      const author = await registerUser(t.http);
      const linked = (
        await postComment(t.http, author, articleId, 'The one the mail links to.').expect(201)
      ).body as { id: string };
      await postComment(t.http, author, articleId, 'A later one.').expect(201);

      const location = (await request(t.http).get(`/comments/${linked.id}`).expect(302)).headers
        .location as string;
      expect(location).toBe(`${articleUrl}#townhall-comment-${linked.id}`);
      await request(t.http).get('/comments/not-a-uuid').expect(404);
      await request(t.http).get(`/comments/${randomUUID()}`).expect(404);

      const context = await browser.newContext({ viewport: { width: 800, height: 700 } });
      context.setDefaultTimeout(WAIT_MS);
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(location);
      const frame = await townhallFrame(page);
      const shown = frame.locator(`#comment-${linked.id}`);
      await eventually(async () =>
        expect(await shown.getAttribute('class')).toContain('is-linked'),
      );
      // the page scrolled past the 2,400 px of article to the comment in the frame
      await eventually(async () =>
        expect(await page.evaluate('window.scrollY')).toBeGreaterThan(2_000),
      );
      // and the comment is in the window: the frame's top plus the comment's place in the frame
      const frameTop = await page
        .locator('iframe[data-townhall-frame]')
        .evaluate((element) => element.getBoundingClientRect().top);
      const inFrame = await shown.evaluate((element) => element.getBoundingClientRect().top);
      expect(frameTop + inFrame).toBeGreaterThanOrEqual(0);
      expect(frameTop + inFrame).toBeLessThan(700);
    });
  });
});
