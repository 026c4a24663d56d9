/**
 * count.js: fills every `[data-townhall-count="EXTERNAL_ID"]` on a publisher's page with its
 * comment count (one GET /api/sites/:id/counts per 100 ids), then loads the Socket.IO part
 * (count-live.js, a module) and keeps them live. Defines no global.
 */
import { catalogue } from '../../i18n';
import { EXTERNAL_ID, SITE_ID, serverOrigin } from './attributes';

const ORIGIN = serverOrigin('%%TOWNHALL_ORIGIN%%');
/** Replaced with count-live.js's address by the server. */
const LIVE = '%%TOWNHALL_COUNT_LIVE%%';
const BATCH = 100;

const script = document.currentScript as HTMLScriptElement | null;
const siteId = script?.dataset.site ?? '';
const t = catalogue(script?.dataset.lang);

function badges(id?: string): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>('[data-townhall-count]')].filter(
    (badge) => id === undefined || badge.dataset.townhallCount === id,
  );
}

function show(id: string, count: number): void {
  badges(id).forEach((badge) => (badge.textContent = t.commentCount(count)));
}

async function fill(ids: string[]): Promise<void> {
  const url = `${ORIGIN}/api/sites/${siteId}/counts?ids=${ids.map(encodeURIComponent).join(',')}`;
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`counts: ${response.status}`);
  const { counts } = (await response.json()) as {
    counts: Record<string, { commentCount: number }>;
  };
  // an article nobody has opened yet has no comments
  for (const id of ids) show(id, counts[id]?.commentCount ?? 0);
}

async function start(): Promise<void> {
  if (!SITE_ID.test(siteId)) {
    console.error('Townhall count.js: data-site must be the id of your site (a UUID).');
    return;
  }
  const ids = [...new Set(badges().map((badge) => badge.dataset.townhallCount ?? ''))].filter(
    (id) => EXTERNAL_ID.test(id),
  );
  if (ids.length === 0) return;
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += BATCH) batches.push(ids.slice(i, i + BATCH));
  await Promise.all(batches.map(fill));
  if (LIVE.startsWith('%%')) return;
  const live = (await import(LIVE)) as typeof import('./count-live');
  live.watch(ORIGIN, siteId, ids, show);
}

const run = (): void =>
  void start().catch((error: unknown) => console.error('Townhall count.js:', error));
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run);
else run();
