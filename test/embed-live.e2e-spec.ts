/**
 * The embed in use (API.md "Embed", "Count badges"), in Chromium with the publisher's page on
 * another origin than the app: the SSO reader shown and commenting from the frame, tallies and
 * comments live in the frame (changes made through the API by others), the frame as tall as its
 * content, `window.Townhall.setSso/logout`, a Townhall login inside the frame, themes, the German
 * catalogue (moderators' tools included), and count badges filled and kept live.
 */
import { SignJWT } from 'jose';
import type { Browser, BrowserContext, Frame, Locator, Page } from 'playwright-core';
import request from 'supertest';
import {
  bearer,
  loginAdmin,
  postComment,
  registerUser,
  type TestUser,
  userWithRole,
} from './support/factories';
import {
  contentHeight,
  eventually,
  hasText,
  HostPages,
  launchChromium,
  textOf,
  WAIT_MS,
} from './support/browser';
import { freePort, startTestApp, type TestApp } from './support/test-app';

interface Site {
  id: string;
  ssoSecret: string;
}

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

describe('embed in use (Chromium)', () => {
  let t: TestApp;
  let admin: TestUser;
  let other: TestUser;
  let browser: Browser;
  let host: HostPages;
  let site: Site;
  const contexts: BrowserContext[] = [];

  const sso = (sub: string, name: string): Promise<string> =>
    new SignJWT({ sub, name })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(site.ssoSecret));

  const putArticle = async (externalId: string): Promise<string> =>
    (
      (
        await request(t.http)
          .put(`/api/sites/${site.id}/articles/${externalId}`)
          .set(...bearer(admin))
          .send({ title: `Story ${externalId}`, category: 'News' })
          .expect(201)
      ).body as { id: string }
    ).id;

  const snippet = (externalId: string, extra = ''): string =>
    `<h1>Publisher</h1>
     <div data-townhall data-site="${site.id}" data-article="${externalId}" ${extra}></div>
     <script src="${t.url}/embed.js" async></script>`;

  /** A fresh browser profile (own storage) on the host page. */
  async function open(html: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 800, height: 700 } });
    context.setDefaultTimeout(WAIT_MS);
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(host.page(html));
    return page;
  }

  async function townhallFrame(page: Page): Promise<Frame> {
    let found: Frame | undefined;
    await eventually(async () => {
      found = page.frames().find((frame) => frame.url().startsWith(`${t.url}/embed/`));
      expect(found).toBeDefined();
      expect(await found!.locator('[data-tallies]').count()).toBe(1);
    });
    return found!;
  }

  /** The iframe is as tall as its document (no inner scroll bar), within a few pixels. */
  async function fitted(iframe: Locator, frame: Frame): Promise<number> {
    let height = 0;
    await eventually(async () => {
      height = await iframe.evaluate((element) => element.getBoundingClientRect().height);
      expect(Math.abs(height - (await contentHeight(frame)))).toBeLessThanOrEqual(3);
    });
    return height;
  }

  beforeAll(async () => {
    const port = await freePort();
    [t, browser, host] = await Promise.all([
      startTestApp({ PUBLIC_URL: `http://127.0.0.1:${port}` }, { listen: true, port }),
      launchChromium(),
      new HostPages().start(),
    ]);
    admin = await loginAdmin(t.http);
    other = await registerUser(t.http);
    site = (
      await request(t.http)
        .post('/api/sites')
        .set(...bearer(admin))
        .send({ name: 'Live Times', origins: [host.origin] })
        .expect(201)
    ).body as Site;
  }, 30_000);

  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    await host?.close();
    await t?.close();
  });

  it('shows the SSO reader, who comments from the frame; the frame grows with its content', async () => {
    const articleId = await putArticle('sso-1');
    const page = await open(snippet('sso-1', `data-sso="${await sso('r-1', 'Zoë Reader')}"`));
    const frame = await townhallFrame(page);
    await hasText(frame.locator('[data-account-name]'), 'Signed in as Zoë Reader');
    const iframe = page.locator('iframe[data-townhall-frame]');
    const before = await fitted(iframe, frame);

    await frame.locator('#comment-body').fill('Hello from the publisher’s page');
    await frame.getByRole('button', { name: 'Post comment' }).click();
    await hasText(
      frame.locator('li.comment .comment__body').first(),
      'Hello from the publisher’s page',
    );
    await eventually(async () => expect(await fitted(iframe, frame)).toBeGreaterThan(before + 20));

    const comments = await request(t.http).get(`/api/articles/${articleId}/comments`).expect(200);
    expect(comments.body).toMatchObject({
      items: [{ body: 'Hello from the publisher’s page', author: { displayName: 'Zoë Reader' } }],
    });
    // the session is the frame's own, kept per site (no third-party cookie)
    expect(await frame.evaluate('Object.keys(localStorage)')).toContain(
      `townhall.session.${site.id}`,
    );
  });

  it('tallies, new comments and removals made elsewhere show in the frame without a reload', async () => {
    const articleId = await putArticle('live-1');
    const page = await open(snippet('live-1'));
    const frame = await townhallFrame(page);
    await hasText(frame.locator('[data-presence]'), /reading now$/);

    await request(t.http)
      .put(`/api/articles/${articleId}/votes/interesting`)
      .set(...bearer(other))
      .send({ value: 'up' })
      .expect(200);
    await hasText(frame.locator('[data-dimension="interesting"] .tally__text'), 'Interesting: 1/0');

    const posted = await postComment(t.http, other, articleId, 'A live one').expect(201);
    const button = frame.locator('[data-new-comments]');
    await hasText(button, '1 new comment');
    await button.click();
    const item = frame.locator(
      `li.comment[data-comment-id="${(posted.body as { id: string }).id}"]`,
    );
    await hasText(item.locator('.comment__body'), 'A live one');
    await hasText(frame.locator('#comments-heading'), 'Comments 1');

    await request(t.http)
      .post(`/api/comments/${(posted.body as { id: string }).id}/remove`)
      .set(...bearer(admin))
      .send({ reason: 'test' })
      .expect(200);
    await eventually(async () => expect(await item.count()).toBe(0));
    await hasText(frame.locator('#comments-heading'), 'Comments 0');
  });

  it('window.Townhall.logout() and setSso(token) change the reader without a reload', async () => {
    await putArticle('switch-1');
    const page = await open(snippet('switch-1', `data-sso="${await sso('r-2', 'First Reader')}"`));
    const frame = await townhallFrame(page);
    await hasText(frame.locator('[data-account-name]'), 'Signed in as First Reader');
    await page.evaluate('window.Townhall.logout()');
    await eventually(async () =>
      expect(await frame.locator('[data-login-form]').isVisible()).toBe(true),
    );
    expect(await frame.locator('[data-comment-form]').isVisible()).toBe(false);
    await page.evaluate(
      `window.Townhall.setSso(${JSON.stringify(await sso('r-3', 'Second Reader'))})`,
    );
    await hasText(frame.locator('[data-account-name]'), 'Signed in as Second Reader');
    // embed.js's one global: what a blank window lacks, frames' indexes aside
    const added = await page.evaluate(`(() => {
      const blank = document.body.appendChild(document.createElement('iframe'));
      const known = new Set(Object.keys(blank.contentWindow));
      blank.remove();
      return Object.keys(window).filter((key) => !known.has(key) && !/^\\d+$/.test(key));
    })()`);
    expect(added).toEqual(['Townhall']);
  });

  it('without data-sso, a reader signs in with a Townhall account inside the frame, and votes on a comment there', async () => {
    const articleId = await putArticle('login-1');
    const theirs = (
      (await postComment(t.http, other, articleId, 'Vote on me in the frame').expect(201)).body as {
        id: string;
      }
    ).id;
    const reader = await registerUser(t.http);
    const page = await open(snippet('login-1'));
    const frame = await townhallFrame(page);
    await frame.locator('#login-username').fill(reader.username);
    await frame.locator('#login-password').fill(reader.password);
    await frame.locator('[data-login-form] button[type=submit]').click();
    await hasText(frame.locator('[data-account-name]'), `Signed in as ${reader.username}`);
    expect(await frame.locator('[data-comment-form]').isVisible()).toBe(true);

    // the reader thread's vote buttons and sort work in the frame's compact layout
    const up = frame.locator(`#comment-${theirs} button[data-comment-vote="up"]`);
    await up.click();
    await eventually(async () => expect(await up.getAttribute('aria-pressed')).toBe('true'));
    await hasText(up, '▲ 1');
    const listed = await request(t.http)
      .get(`/api/articles/${articleId}/comments`)
      .set('authorization', `Bearer ${reader.accessToken}`)
      .expect(200);
    expect(
      (listed.body as { items: { score: unknown; myVote: unknown }[] }).items[0],
    ).toMatchObject({
      score: { up: 1, down: 0 },
      myVote: 'up',
    });
    await frame.getByRole('button', { name: 'Top', exact: true }).click();
    await eventually(async () =>
      expect(
        await frame.getByRole('button', { name: 'Top', exact: true }).getAttribute('aria-pressed'),
      ).toBe('true'),
    );
    await hasText(frame.locator(`#comment-${theirs} .comment__body`), 'Vote on me in the frame');
  });

  it('data-theme dark and light set the frame’s colours; data-lang="de" speaks German', async () => {
    const articleId = await putArticle('look-1');
    await postComment(t.http, other, articleId, 'Ein Kommentar').expect(201);
    const articleSlug = (
      (await request(t.http).get(`/api/articles/${articleId}`).expect(200)).body as { slug: string }
    ).slug;
    const page = await open(`
      <div id="dark">${snippet('look-1', 'data-theme="dark"')}</div>
      <div id="light"><div data-townhall data-site="${site.id}" data-article="look-1" data-theme="light" data-lang="de"></div></div>
      <div id="auto"><div data-townhall data-site="${site.id}" data-article="look-1"></div></div>`);
    const frames = async (): Promise<Frame[]> =>
      page.frames().filter((frame) => frame.url().startsWith(`${t.url}/embed/`));
    await eventually(async () => expect(await frames()).toHaveLength(3));
    await Promise.all((await frames()).map((frame) => frame.locator('[data-tallies]').waitFor()));
    const [dark, light, auto] = ['dark', 'light', 'auto'].map((theme) =>
      page.frames().find((frame) => frame.url().includes(`theme=${theme}`))!,
    ) as [Frame, Frame, Frame];
    const background = async (frame: Frame): Promise<number> =>
      luminance(
        (await frame.evaluate('getComputedStyle(document.body).backgroundColor')) as string,
      );
    expect(await background(dark)).toBeLessThan(0.1);
    expect(await background(light)).toBeGreaterThan(0.8);
    // auto follows the reader's prefers-color-scheme; an explicit theme does not
    expect(await background(auto)).toBeGreaterThan(0.8);
    await page.emulateMedia({ colorScheme: 'dark' });
    await eventually(async () => expect(await background(auto)).toBeLessThan(0.1));
    expect(await background(light)).toBeGreaterThan(0.8);

    const tallies = light.locator('.tally__text');
    expect(await textOf(tallies.nth(0))).toBe('Interessant: 0/0');
    expect(await textOf(tallies.nth(1))).toBe('Zustimmung: 0/0');
    await hasText(light.locator('#comments-heading'), 'Kommentare 1');
    await hasText(light.locator('[data-login-form] h3'), 'Anmelden');
    await hasText(dark.locator('#comments-heading'), 'Comments 1');
    // the comments' own words too: the card, the sort control
    await hasText(light.locator('[data-sort-control]'), /Sortieren:\s*Neueste\s*Beste/);
    await hasText(dark.locator('[data-sort-control]'), /Sort:\s*Newest\s*Top/);
    expect(await light.locator('.comment__card').first().getAttribute('aria-label')).toMatch(
      /^Kommentar von /,
    );
    // the reader page has the dark theme too
    await page.goto(`${t.url}/articles/${articleSlug}`);
    expect(
      luminance((await page.evaluate('getComputedStyle(document.body).backgroundColor')) as string),
    ).toBeLessThan(0.1);
  });

  it('a moderator in a German frame gets German tools, and approving and featuring still work', async () => {
    // a site of its own with pre-moderation, so the other tests' comments are not held
    const held = (
      await request(t.http)
        .post('/api/sites')
        .set(...bearer(admin))
        .send({
          name: 'Zeitung',
          origins: [host.origin],
          moderation: {
            mode: 'pre',
            bannedWords: [],
            suspectWords: [],
            editWindowSeconds: 900,
            holdLinks: false,
          },
        })
        .expect(201)
    ).body as Site;
    const articleId = (
      (
        await request(t.http)
          .put(`/api/sites/${held.id}/articles/mod-de-1`)
          .set(...bearer(admin))
          .send({ title: 'Geschichte', category: 'Nachrichten' })
          .expect(201)
      ).body as { id: string }
    ).id;
    const pending = (await postComment(t.http, other, articleId, 'Bitte freigeben').expect(201))
      .body as { id: string; status: string };
    expect(pending.status).toBe('pending');
    const moderator = await userWithRole(t.http, admin, 'moderator');

    const page = await open(
      `<div data-townhall data-site="${held.id}" data-article="mod-de-1" data-lang="de"></div>
       <script src="${t.url}/embed.js" async></script>`,
    );
    const frame = await townhallFrame(page);
    await frame.locator('#login-username').fill(moderator.username);
    await frame.locator('#login-password').fill(moderator.password);
    await frame.locator('[data-login-form] button[type=submit]').click();
    await hasText(frame.locator('[data-account-name]'), /^Angemeldet als .+ \(Moderator\)$/);

    // both queues, their headings and the held comment's buttons in German
    const reports = frame.locator('[data-mod-queue]');
    await reports.waitFor({ state: 'visible' });
    await hasText(reports.locator('h2'), 'Moderationswarteschlange');
    await hasText(reports.locator('[data-mod-queue-empty]'), 'Keine offenen Meldungen.');
    const queue = frame.locator('[data-pending-queue]');
    await hasText(queue.locator('h2'), 'Wartet auf Freigabe (1)');
    const entry = queue.locator(`[data-pending-comment="${pending.id}"]`);
    await hasText(entry.locator('.mod-item__body'), 'Bitte freigeben');
    await entry.getByRole('button', { name: 'Ablehnen…' }).waitFor();
    await entry.getByRole('button', { name: 'Freigeben und hervorheben' }).waitFor();

    // approving still works: published, in the frame's thread, the queue empty
    await entry.getByRole('button', { name: 'Freigeben', exact: true }).click();
    await entry.waitFor({ state: 'detached' });
    await hasText(frame.locator('[data-status-line]'), 'Der Kommentar wurde freigegeben.');
    await hasText(queue.locator('h2'), 'Wartet auf Freigabe');
    await hasText(queue.locator('[data-pending-empty]'), 'Keine zurückgehaltenen Kommentare.');
    const card = frame.locator(`#comment-${pending.id}`);
    await hasText(card.locator('.comment__body'), 'Bitte freigeben');
    const listed = await request(t.http).get(`/api/articles/${articleId}/comments`).expect(200);
    expect((listed.body as { items: { id: string }[] }).items.map((item) => item.id)).toEqual([
      pending.id,
    ]);

    // the thread's moderator menu: feature, then the button offers the way back
    await card.locator('summary').click();
    await card.getByRole('button', { name: 'Entfernen' }).waitFor();
    await card.getByRole('button', { name: 'Kommentarverlauf' }).waitFor();
    await card.getByRole('button', { name: 'Hervorheben (Empfehlung der Redaktion)' }).click();
    await hasText(card.locator('[data-featured]'), 'Empfehlung der Redaktion');
    await hasText(frame.locator('[data-status-line]'), 'Der Kommentar ist hervorgehoben.');
    await card.locator('summary').click();
    await card.getByRole('button', { name: 'Nicht mehr hervorheben' }).waitFor();
  });

  it('count badges are filled from one counts call and kept live (English and German)', async () => {
    const articleId = await putArticle('badge-1');
    await putArticle('badge-2');
    await postComment(t.http, other, articleId, 'first').expect(201);
    const badges = `
      <span id="one" data-townhall-count="badge-1"></span>
      <span id="one-again" data-townhall-count="badge-1"></span>
      <span id="two" data-townhall-count="badge-2"></span>
      <span id="none" data-townhall-count="not-yet"></span>`;
    const countCalls = (page: Page): string[] => {
      const calls: string[] = [];
      page.on('request', (req) => {
        if (req.url().includes('/counts?')) calls.push(req.url());
      });
      return calls;
    };
    const page = await open('');
    const calls = countCalls(page);
    await page.goto(
      host.page(`${badges}<script src="${t.url}/count.js" data-site="${site.id}" async></script>`),
    );
    const german = await open(
      `${badges}<script src="${t.url}/count.js" data-site="${site.id}" data-lang="de" async></script>`,
    );
    await hasText(page.locator('#one'), '1 comment');
    await hasText(page.locator('#one-again'), '1 comment');
    await hasText(page.locator('#two'), '0 comments');
    await hasText(page.locator('#none'), '0 comments');
    await hasText(german.locator('#one'), '1 Kommentar');

    await postComment(t.http, other, articleId, 'second').expect(201);
    await hasText(page.locator('#one'), '2 comments');
    await hasText(page.locator('#one-again'), '2 comments');
    await hasText(german.locator('#one'), '2 Kommentare');
    expect(calls).toHaveLength(1);

    // 150 different ids: two calls of at most 100
    const many = Array.from({ length: 150 }, (_, i) => `<i data-townhall-count="m-${i}"></i>`);
    const big = await open('');
    const bigCalls = countCalls(big);
    await big.goto(
      host.page(
        `${many.join('')}<script src="${t.url}/count.js" data-site="${site.id}" async></script>`,
      ),
    );
    await hasText(big.locator('[data-townhall-count="m-149"]'), '0 comments');
    expect(bigCalls).toHaveLength(2);
    expect(
      bigCalls
        .map((url) => new URL(url).searchParams.get('ids')!.split(',').length)
        .sort((a, b) => b - a),
    ).toEqual([100, 50]);
  });
});
