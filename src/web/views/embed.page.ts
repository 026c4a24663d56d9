import type { Catalogue, Lang } from '../i18n';
import type { ArticlePage } from '../reader-pages.service';
import { commentsSection, moderationQueue, talliesBar } from './article.page';
import { markup, type SafeHtml } from './html';

export interface EmbedDocument {
  title: string;
  lang: Lang;
  theme: 'light' | 'dark' | 'auto';
  stylesheet?: string;
  script?: string;
  /** The checked origin of the page that framed it: the only one the frame posts to. */
  parentOrigin: string | null;
  main: SafeHtml;
}

/** The frame's document: no header, the theme on <html>, the parent's origin for the script. */
export function embedDocument(options: EmbedDocument): string {
  return markup`<!doctype html>
    <html lang="${options.lang}" ${options.theme === 'auto' ? null : markup`data-theme="${options.theme}"`}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · Townhall</title>
        ${options.stylesheet ? markup`<link rel="stylesheet" href="${options.stylesheet}" />` : null}
        ${options.script ? markup`<script src="${options.script}" defer></script>` : null}
      </head>
      <body class="embed">
        <div class="embed__inner" data-embed data-parent-origin="${options.parentOrigin ?? ''}">
          ${options.main}
        </div>
      </body>
    </html>`.toString();
}

/**
 * The article's live discussion in a compact layout: the reader page's tallies, moderation
 * queue and comments (the same views and the same script), without the article's text.
 */
export function embedMain(page: ArticlePage, siteId: string, t: Catalogue): SafeHtml {
  const { article } = page;
  return markup`<div class="account" data-account hidden>
      <span data-account-name></span>
      <button type="button" class="link-button" data-sign-out>${t.signOut}</button>
    </div>
    <div
      class="reader"
      data-site-id="${siteId}"
      data-article-id="${article.id}"
      data-seq="${page.seq}"
    >
      ${talliesBar(article.tallies, t)} ${moderationQueue(t)} ${commentsSection(page, t)}
    </div>`;
}

/** A clear message where the comments would be (unknown site or article, a bad address). */
export function embedError(status: number, heading: string, text: string): SafeHtml {
  return markup`<section class="error-page" role="alert" aria-labelledby="error-heading">
    <p class="category">Error ${status}</p>
    <h1 id="error-heading">${heading}</h1>
    <p>${text}</p>
  </section>`;
}
