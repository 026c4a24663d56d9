/** What embed.js accepts in the `data-*` attributes of a `[data-townhall]` element. */
export const SITE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** As API.md (and src/articles/dto/site-article.dto.ts) define an external id. */
export const EXTERNAL_ID = /^[A-Za-z0-9._~:-]{1,128}$/;
export const THEMES = ['light', 'dark', 'auto'] as const;
export type Theme = (typeof THEMES)[number];

/** The server's origin: PUBLIC_URL, written into the script where it is served. */
export function serverOrigin(placeholder: string): string {
  if (!placeholder.startsWith('%%')) return placeholder;
  // served as a plain file (not by the server): the script's own origin
  const src = (document.currentScript as HTMLScriptElement | null)?.src;
  return src ? new URL(src).origin : location.origin;
}
