/**
 * The embed's frame and scripts (API.md "Embed"): the headers of embed.js/count.js and of the
 * frame (frame-ancestors = the site's origins only), 400/404 pages, autoCreateArticles judged by
 * the requesting page's origin (and rate-limited), and in Chromium, with the publisher's page on
 * another origin than the app: framed from a listed origin, refused on an unlisted one, foreign
 * postMessages ignored, bad data-* attributes shown as a message.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import request from 'supertest';
import { bearer, loginAdmin, type TestUser } from './support/factories';
import {
  contentHeight,
  eventually,
  hasText,
  HostPages,
  launchChromium,
  WAIT_MS,
} from './support/browser';
import { freePort, startTestApp, type TestApp } from './support/test-app';

const EMBED_MAX_GZIP = 5 * 1024;
/** RATE_LIMIT_EMBED_CREATE for this app: creations per client IP per hour. */
const CREATE_LIMIT = 4;

describe('embed frame and scripts', () => {
  let t: TestApp;
  let admin: TestUser;
  let browser: Browser;
  let context: BrowserContext;
  let host: HostPages;
  let foreign: HostPages;
  let site: { id: string; name: string };
  let autoSite: { id: string; name: string };
  let created = 0;

  const newSite = async (body: object): Promise<{ id: string; name: string }> =>
    (
      await request(t.http)
        .post('/api/sites')
        .set(...bearer(admin))
        .send(body)
        .expect(201)
    ).body as { id: string; name: string };

  const putArticle = (siteId: string, externalId: string): Promise<unknown> =>
    request(t.http)
      .put(`/api/sites/${siteId}/articles/${externalId}`)
      .set(...bearer(admin))
      .send({ title: `Article ${externalId}`, category: 'News' })
      .expect(201);

  const snippet = (siteId: string, externalId: string, extra = ''): string =>
    `<div data-townhall data-site="${siteId}" data-article="${externalId}" ${extra}></div>
     <script src="${t.url}/embed.js" async></script>`;

  async function openPage(url: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(url);
    return page;
  }

  /** The Townhall frame of a host page, once its discussion has loaded. */
  async function townhallFrame(page: Page): Promise<Frame> {
    let found: Frame | undefined;
    await eventually(async () => {
      found = page.frames().find((frame) => frame.url().startsWith(`${t.url}/embed/`));
      expect(found).toBeDefined();
      expect(await found!.locator('body.embed').count()).toBe(1);
    });
    return found!;
  }

  beforeAll(async () => {
    const port = await freePort();
    [t, browser, host, foreign] = await Promise.all([
      startTestApp(
        {
          PUBLIC_URL: `http://127.0.0.1:${port}`,
          RATE_LIMITS: 'on',
          RATE_LIMIT_EMBED_CREATE: `${CREATE_LIMIT}/1h`,
        },
        { listen: true, port },
      ),
      launchChromium(),
      new HostPages().start(),
      new HostPages().start(),
    ]);
    admin = await loginAdmin(t.http);
    site = await newSite({
      name: 'The Daily Example',
      origins: [host.origin, 'https://b.example'],
    });
    autoSite = await newSite({
      name: 'Auto Gazette',
      origins: [host.origin],
      autoCreateArticles: true,
    });
    await putArticle(site.id, 'story-1');
    context = await browser.newContext({ viewport: { width: 800, height: 700 } });
    context.setDefaultTimeout(WAIT_MS);
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([host?.close(), foreign?.close()]);
    await t?.close();
  });

  describe('scripts', () => {
    it.each(['embed.js', 'count.js'])(
      '%s is cross-origin readable, briefly cacheable, has an ETag and knows PUBLIC_URL',
      async (name) => {
        const res = await request(t.http).get(`/${name}`).expect(200);
        expect(res.headers['content-type']).toMatch(/^application\/javascript/);
        expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
        const maxAge = Number(/max-age=(\d+)/.exec(String(res.headers['cache-control']))?.[1]);
        expect(res.headers['cache-control']).toMatch(/^public/);
        expect(maxAge).toBeGreaterThan(0);
        expect(maxAge).toBeLessThanOrEqual(600);
        expect(res.text).toContain(t.config.publicUrl);
        expect(res.text).not.toContain('%%TOWNHALL_ORIGIN%%');
        const etag = String(res.headers.etag);
        expect(etag).toMatch(/^"[\w-]+"$/);
        await request(t.http).get(`/${name}`).set('If-None-Match', etag).expect(304);
      },
    );

    it('embed.js is under 5 KB gzipped (as served, and as the browser gets it compressed)', async () => {
      const res = await request(t.http).get('/embed.js').expect(200);
      const gzipped = gzipSync(Buffer.from(res.text), { level: 9 });
      expect(gunzipSync(gzipped).toString()).toBe(res.text);
      expect(gzipped.length).toBeLessThan(EMBED_MAX_GZIP);
    });
  });

  describe('frame over HTTP', () => {
    it('frames only for the site’s own origins: frame-ancestors lists them, no X-Frame-Options', async () => {
      const res = await request(t.http).get(`/embed/${site.id}/story-1`).expect(200);
      const csp = String(res.headers['content-security-policy']);
      const ancestors = /frame-ancestors ([^;]*)/.exec(csp)?.[1]?.split(' ');
      expect(ancestors?.sort()).toEqual([host.origin, 'https://b.example'].sort());
      expect(csp).toContain("script-src 'self'");
      expect(res.headers['x-frame-options']).toBeUndefined();
      expect(res.text).toContain('data-tallies');
      expect(res.text).toContain('Article story-1');
    });

    it('frame-ancestors follows a change of the site’s origins without a restart', async () => {
      const changing = await newSite({ name: 'Changing', origins: ['https://one.example'] });
      await putArticle(changing.id, 'c-1');
      const ancestors = async (): Promise<string | undefined> =>
        /frame-ancestors ([^;]*)/.exec(
          String(
            (await request(t.http).get(`/embed/${changing.id}/c-1`).expect(200)).headers[
              'content-security-policy'
            ],
          ),
        )?.[1];
      expect(await ancestors()).toBe('https://one.example');
      await request(t.http)
        .patch(`/api/sites/${changing.id}`)
        .set(...bearer(admin))
        .send({ origins: ['https://two.example'] })
        .expect(200);
      await eventually(async () => expect(await ancestors()).toBe('https://two.example'), 5_000);
    });

    it('a malformed site or article id is a 400 page, unknown ones a 404 page, framable to show it', async () => {
      const bad = await request(t.http).get(`/embed/not-a-uuid/story-1`).expect(400);
      expect(bad.text).toContain('Bad embed address');
      await request(t.http)
        .get(`/embed/${site.id}/${encodeURIComponent('bad id!')}`)
        .expect(400);
      await request(t.http)
        .get(`/embed/${site.id}/${'x'.repeat(129)}`)
        .expect(400);
      const noSite = await request(t.http)
        .get('/embed/00000000-0000-4000-8000-000000000000/story-1')
        .expect(404);
      expect(noSite.text).toContain('Unknown site');
      expect(String(noSite.headers['content-security-policy'])).toContain('frame-ancestors *');
      const noArticle = await request(t.http).get(`/embed/${site.id}/unknown-story`).expect(404);
      expect(noArticle.text).toContain('No discussion here');
      expect(String(noArticle.headers['content-security-policy'])).toContain(
        `frame-ancestors ${host.origin}`,
      );
    });

    it('autoCreateArticles: a page on the site’s origin creates the article (category = site name); another origin, or no title, creates nothing', async () => {
      await request(t.http)
        .get(`/embed/${autoSite.id}/auto-1?title=Hello`)
        .set('Referer', 'https://evil.example/page')
        .expect(404);
      await request(t.http)
        .get(`/embed/${autoSite.id}/auto-1`)
        .set('Referer', `${host.origin}/page`)
        .expect(404);
      await request(t.http).get(`/api/sites/${autoSite.id}/articles/auto-1`).expect(404);

      const url = `${host.origin}/news/auto-1`;
      await request(t.http)
        .get(`/embed/${autoSite.id}/auto-1?${new URLSearchParams({ title: 'Hello world', url })}`)
        .set('Origin', host.origin)
        .expect(200);
      created += 1;
      const article = await request(t.http)
        .get(`/api/sites/${autoSite.id}/articles/auto-1`)
        .expect(200);
      expect(article.body).toMatchObject({ title: 'Hello world', category: 'Auto Gazette', url });

      // a site without autoCreateArticles creates nothing, even from its own origin
      await request(t.http)
        .get(`/embed/${site.id}/never?title=Nope`)
        .set('Referer', `${host.origin}/x`)
        .expect(404);
      await request(t.http).get(`/api/sites/${site.id}/articles/never`).expect(404);
    });
  });

  describe('in Chromium, the host page on another origin', () => {
    it('frames the discussion from a listed origin', async () => {
      const page = await openPage(host.page(snippet(site.id, 'story-1')));
      const frame = await townhallFrame(page);
      await hasText(frame.locator('.tally__text').first(), 'Interesting: 0/0');
      await hasText(frame.locator('#comments-heading'), 'Comments 0');
      await page.close();
    });

    it('a page on an unlisted origin cannot frame it (CSP frame-ancestors)', async () => {
      const page = await context.newPage();
      const blocked: string[] = [];
      page.on('console', (message) => {
        if (/frame-ancestors|Refused to frame/i.test(message.text())) blocked.push(message.text());
      });
      const frameResponse = page.waitForResponse((res) => res.url().includes('/embed/'));
      await page.goto(foreign.page(snippet(site.id, 'story-1')));
      expect((await frameResponse).status()).toBe(200);
      await eventually(async () => expect(blocked.length).toBeGreaterThan(0));
      const frames = page.frames().filter((frame) => frame !== page.mainFrame());
      expect(frames).toHaveLength(1);
      for (const frame of frames) {
        expect(await frame.locator('[data-tallies]').count()).toBe(0);
      }
      await page.close();
    });

    it('autoCreateArticles from the browser: the listed origin creates, a foreign one does not', async () => {
      const attrs = 'data-title="Made by the embed" data-url="https://example.org/made"';
      const page = await context.newPage();
      const refused = page.waitForResponse((res) => res.url().includes('/embed/'));
      await page.goto(foreign.page(snippet(autoSite.id, 'auto-2', attrs)));
      expect((await refused).status()).toBe(404);
      await request(t.http).get(`/api/sites/${autoSite.id}/articles/auto-2`).expect(404);
      await page.goto(host.page(snippet(autoSite.id, 'auto-2', attrs)));
      const frame = await townhallFrame(page);
      created += 1;
      await hasText(frame.locator('#comments-heading'), 'Comments 0');
      const article = await request(t.http)
        .get(`/api/sites/${autoSite.id}/articles/auto-2`)
        .expect(200);
      expect(article.body).toMatchObject({ title: 'Made by the embed', category: 'Auto Gazette' });
      await page.close();
    });

    it('ignores postMessages from other origins: no resize, no sign-in', async () => {
      const spoofer = foreign.page(`<script>
        parent.postMessage({ townhall: 'height', height: 7 }, '*');
        parent.frames[0].postMessage({ townhall: 'sso', token: 'forged' }, '*');
        parent.frames[0].postMessage({ townhall: 'logout' }, '*');
        parent.postMessage({ spoofed: true }, '*');
      </script>`);
      const page = await openPage(
        host.page(`${snippet(site.id, 'story-1')}
          <script>window.seen = []; addEventListener('message', (e) => seen.push(e.data));</script>`),
      );
      const frame = await townhallFrame(page);
      const iframe = page.locator('iframe[data-townhall-frame]');
      const fits = async (): Promise<void> => {
        const height = await iframe.evaluate((element) => element.getBoundingClientRect().height);
        const content = await contentHeight(frame);
        expect(height).toBeGreaterThan(100);
        expect(Math.abs(height - content)).toBeLessThanOrEqual(3);
      };
      await eventually(fits);
      await page.evaluate(
        `document.body.append(Object.assign(document.createElement('iframe'), { src: ${JSON.stringify(spoofer)} }))`,
      );
      await eventually(async () =>
        expect(await page.evaluate('JSON.stringify(window.seen)')).toContain('spoofed'),
      );
      await fits();
      expect(await frame.locator('[data-status-line]').textContent()).toBe('');
      expect(await frame.locator('[data-login-form]').isVisible()).toBe(true);
      await page.close();
    });

    it('bad data-* attributes: a clear message in place of the widget; the good one beside it still loads', async () => {
      const page = await openPage(
        host.page(`
          <div id="a" data-townhall data-site="nope" data-article="story-1"></div>
          <div id="b" data-townhall data-site="${site.id}" data-article="bad id!"></div>
          <div id="c" data-townhall data-site="${site.id}" data-article="story-1" data-theme="purple"></div>
          <div id="d" data-townhall data-site="${site.id}" data-article="story-1" data-lang="fr"></div>
          ${snippet(site.id, 'story-1')}`),
      );
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await hasText(page.locator('#a'), /^Townhall: data-site must be/);
      await hasText(page.locator('#b'), /^Townhall: data-article must be/);
      await hasText(page.locator('#c'), 'Townhall: data-theme must be light, dark or auto.');
      await hasText(page.locator('#d'), 'Townhall: data-lang must be en or de.');
      expect(await page.locator('#a iframe, #b iframe, #c iframe, #d iframe').count()).toBe(0);
      await townhallFrame(page);
      expect(errors).toEqual([]);
      await page.close();
    });
  });

  it('creations from the embed are rate-limited per client (RATE_LIMIT_EMBED_CREATE)', async () => {
    let refused: request.Response | undefined;
    for (let i = 0; i <= CREATE_LIMIT && !refused; i++) {
      const res = await request(t.http)
        .get(`/embed/${autoSite.id}/limit-${i}?title=Limit`)
        .set('Referer', `${host.origin}/`);
      if (res.status === 429) refused = res;
      else {
        expect(res.status).toBe(200);
        created += 1;
      }
    }
    expect(created).toBe(CREATE_LIMIT);
    expect(refused?.text).toContain('Please try again later');
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(0);
    // an article that exists is still shown to everyone
    await request(t.http).get(`/embed/${autoSite.id}/auto-1`).expect(200);
  });
});
