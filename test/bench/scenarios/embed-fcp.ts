/**
 * `embed-fcp`: first contentful paint of the embed's frame (GET /embed/:siteId/:externalId)
 * against the reader page (GET /articles/:slug) of the same article, with the same comments,
 * in Chromium: N runs each, alternating, each in a fresh browser context (a cold cache), the
 * figure read from `performance.getEntriesByName('first-contentful-paint')`.
 */
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../support/browser';
import { ADMIN, api, login, onCleanup, startBenchServer } from '../kit';
import { round1 } from '../measure';
import { type BenchRow, intFlag, ratio, type Scenario } from '../scenario';

const OPTIONS = {
  runs: { type: 'string' },
  comments: { type: 'string' },
} as const;

const USAGE = [
  '--runs N             page loads of each kind (default 20; smoke 3)',
  '--comments N         comments on the article (default 20; smoke 5)',
];

const TARGET_RATIO = 1.2;

/** Waits for the paint entry (buffered: it may have happened before the observer). */
const FCP_SCRIPT = `new Promise((resolve) => {
  const entry = performance.getEntriesByName('first-contentful-paint')[0];
  if (entry) return resolve(entry.startTime);
  new PerformanceObserver((list) => {
    const found = list.getEntriesByName('first-contentful-paint')[0];
    if (found) resolve(found.startTime);
  }).observe({ type: 'paint', buffered: true });
})`;

async function fcp(browser: Browser, url: string): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 800, height: 900 } });
  try {
    const page = await context.newPage();
    const response = await page.goto(url, { waitUntil: 'load' });
    if (response?.status() !== 200) throw new Error(`${url}: ${response?.status()}`);
    return (await page.evaluate(FCP_SCRIPT)) as number;
  } finally {
    await context.close();
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const embedFcp: Scenario = {
  name: 'embed-fcp',
  summary: 'first contentful paint of the embed frame vs the reader page (Chromium)',
  options: OPTIONS,
  usage: USAGE,
  async run(context) {
    const { values, smoke } = context;
    const runs = intFlag(values, 'runs', smoke ? 3 : 20, 1, 1000);
    const commentCount = intFlag(values, 'comments', smoke ? 5 : 20, 0, 1000);
    const server = await startBenchServer();
    const admin = await login(server.base, ADMIN.username, ADMIN.password);
    const site = await api<{ id: string }>(server.base, 'POST', '/api/sites', {
      token: admin.token,
      body: { name: 'Bench site', origins: ['http://127.0.0.1:9'] },
      expect: 201,
    });
    const article = await api<{ id: string; slug: string }>(
      server.base,
      'PUT',
      `/api/sites/${site.id}/articles/bench-1`,
      {
        token: admin.token,
        body: { title: 'Bench article', category: 'Bench', body: 'A paragraph. '.repeat(60) },
        expect: 201,
      },
    );
    for (let i = 0; i < commentCount; i++) {
      await api(server.base, 'POST', `/api/articles/${article.id}/comments`, {
        token: admin.token,
        body: { body: `Comment ${i}: ${'words '.repeat(20)}` },
        expect: 201,
      });
    }
    const browser = await launchChromium();
    onCleanup('close Chromium', () => browser.close());
    const reader = `${server.base}/articles/${article.slug}`;
    const frame = `${server.base}/embed/${site.id}/bench-1`;
    // one of each first, not measured: the server's first renders and Chromium's own warm-up
    await fcp(browser, reader);
    await fcp(browser, frame);
    const readerRuns: number[] = [];
    const frameRuns: number[] = [];
    for (let i = 0; i < runs; i++) {
      readerRuns.push(await fcp(browser, reader));
      frameRuns.push(await fcp(browser, frame));
    }
    const stats = (list: number[]) => ({
      median: round1(percentile(list, 50)),
      p90: round1(percentile(list, 90)),
    });
    const readerStats = stats(readerRuns);
    const frameStats = stats(frameRuns);
    context.log(
      `FCP reader page: median ${readerStats.median} ms, p90 ${readerStats.p90} ms; ` +
        `embed frame: median ${frameStats.median} ms, p90 ${frameStats.p90} ms (${runs} runs each)`,
    );
    const medianRatio = ratio(frameStats.median, readerStats.median);
    const p90Ratio = ratio(frameStats.p90, readerStats.p90);
    context.log(`ratio frame ÷ reader: median ${medianRatio}, p90 ${p90Ratio}`);
    const row = (
      metric: string,
      townhall: number,
      baseline: number,
      r: number | null,
    ): BenchRow => ({
      scenario: 'embed-fcp',
      metric,
      townhall,
      baseline,
      baselineName: 'reader page FCP',
      ratio: r,
      target: `≤ ${TARGET_RATIO}× baseline`,
      met: r === null ? null : r <= TARGET_RATIO,
    });
    return {
      rows: [
        row('embed frame FCP median (ms)', frameStats.median, readerStats.median, medianRatio),
        row('embed frame FCP p90 (ms)', frameStats.p90, readerStats.p90, p90Ratio),
      ],
      details: { runs, commentCount, readerRuns, frameRuns, readerStats, frameStats },
      problems: [],
    };
  },
};
