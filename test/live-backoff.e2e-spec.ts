/**
 * The reader page's subscribe, refused for a passing reason (here the replay budget of its
 * address, spent by another client of 127.0.0.1), is retried with exponential backoff and
 * jitter (0.5 s, 1 s, 2 s … each × 0.5–1), not at once and not by reconnecting; once admitted,
 * the page is live. The frames are read from Chromium's own WebSocket.
 */
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { eventually, launchChromium } from './support/browser';
import { createArticle, loginAdmin, postComment, registerUser } from './support/factories';
import { RawClient } from './support/raw-socket';
import { startTestApp, type TestApp } from './support/test-app';

const RATE = 64 * 1024;
const COMMENTS = 300;
const BODY = 'y'.repeat(1_000);

describe('reader page: subscribe retried with backoff', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    [t, browser] = await Promise.all([
      startTestApp({ SOCKET_REPLAY_RATE_PER_IP: String(RATE) }, { listen: true }),
      launchChromium(),
    ]);
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('waits longer before each retry, then goes live without a reload', async () => {
    const admin = await loginAdmin(t.http);
    const author = await registerUser(t.http);
    const heavy = await createArticle(t.http, admin);
    const readId = await createArticle(t.http, admin);
    const { slug } = (await request(t.http).get(`/api/articles/${readId}`).expect(200)).body as {
      slug: string;
    };
    for (let i = 0; i < COMMENTS; i += 25) {
      await Promise.all(
        Array.from({ length: 25 }, (_, k) =>
          postComment(t.http, author, heavy, `${i + k} ${BODY}`).expect(201),
        ),
      );
    }

    const context = await browser.newContext({ baseURL: t.url });
    const page = await context.newPage();
    const subscribes: number[] = [];
    const refusals: string[] = [];
    page.on('websocket', (ws) => {
      ws.on('framesent', ({ payload }) => {
        if (String(payload).includes('["subscribe"')) subscribes.push(Date.now());
      });
      ws.on('framereceived', ({ payload }) => {
        const text = String(payload);
        if (text.startsWith('43') && text.includes('"rate_limited"')) refusals.push(text);
      });
    });

    // 300 KB replayed to 127.0.0.1 against 64 KiB/s: seconds of debt for the address
    const spender = await RawClient.open(t.url);
    const spent = await spender.subscribe(heavy, 0);
    expect(spent.ok && spent.missed.length).toBe(COMMENTS);
    spender.close();

    await page.goto(`/articles/${slug}`);
    await eventually(async () => expect(refusals.length).toBeGreaterThanOrEqual(2), 20_000);
    // admitted once the debt is paid: live without a reload
    await postComment(t.http, author, readId, 'live after the backoff').expect(201);
    // a new comment waits behind "1 new comment" on a reader's page
    await page.locator('[data-new-comments]', { hasText: '1 new comment' }).waitFor({
      timeout: 40_000,
    });
    await page.locator('[data-new-comments]').click();
    await page
      .locator('[data-thread] .comment__body', { hasText: 'live after the backoff' })
      .waitFor();

    const gaps = subscribes.slice(1).map((at, i) => at - subscribes[i]!);
    console.log(`subscribe retries after ${gaps.join(', ')} ms; ${refusals.length} refused`);
    expect(subscribes.length).toBe(refusals.length + 1);
    gaps.forEach((gap, i) => {
      // retry i waits 500·2^i ms × 0.5–1: never sooner (timers do not fire early)
      expect(gap).toBeGreaterThanOrEqual(0.5 * 500 * 2 ** i - 20);
      // and the waits do not shrink (each ceiling doubles, the jitter at most halves it)
      if (i > 0) expect(gap).toBeGreaterThanOrEqual(gaps[i - 1]! - 50);
    });
    await context.close();
  }, 90_000);
});
