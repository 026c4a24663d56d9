import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Frame, type Locator } from 'playwright-core';

/**
 * Debian's Chromium, driven by playwright-core (no browser download), as test/web.e2e-spec.ts;
 * CHROMIUM_PATH names another binary.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const WAIT_MS = 10_000;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
  });
}

/** Retries a Jest assertion until it passes or `timeoutMs` went by (then its error). */
export async function eventually(check: () => Promise<void>, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

export const textOf = async (locator: Locator): Promise<string> =>
  ((await locator.textContent({ timeout: WAIT_MS })) ?? '').replace(/\s+/g, ' ').trim();

export function hasText(
  locator: Locator,
  expected: string | RegExp,
  options: { timeout?: number } = {},
): Promise<void> {
  return eventually(async () => {
    if (typeof expected === 'string') expect(await textOf(locator)).toBe(expected);
    else expect(await textOf(locator)).toMatch(expected);
  }, options.timeout);
}

export function containsText(locator: Locator, expected: string): Promise<void> {
  return eventually(async () => expect(await textOf(locator)).toContain(expected));
}

export function hasCount(locator: Locator, expected: number): Promise<void> {
  return eventually(async () => expect(await locator.count()).toBe(expected));
}

/** `expected` null: the attribute is absent. */
export function hasAttribute(
  locator: Locator,
  name: string,
  expected: string | null,
): Promise<void> {
  return eventually(async () => expect(await locator.getAttribute(name)).toBe(expected));
}

/**
 * A publisher's page on an origin of its own (another port of 127.0.0.1 than the app's):
 * `page(html)` serves the HTML at a fresh path and answers its address.
 */
export class HostPages {
  private readonly pages = new Map<string, string>();
  private server!: Server;
  origin = '';
  private next = 0;

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const html = this.pages.get((request.url ?? '').split('?')[0]!);
      response.statusCode = html === undefined ? 404 : 200;
      response.setHeader('content-type', 'text/html; charset=utf-8');
      response.end(html ?? 'not found');
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  page(html: string): string {
    const path = `/page-${++this.next}`;
    this.pages.set(
      path,
      `<!doctype html><html><head><meta charset="utf-8"></head><body>${html}</body></html>`,
    );
    return `${this.origin}${path}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The frame document's scrollHeight: what the iframe should be as tall as. */
export async function contentHeight(frame: Frame): Promise<number> {
  return (await frame.evaluate('document.documentElement.scrollHeight')) as number;
}
