import { markup, type SafeHtml } from './html';

export interface LayoutOptions {
  title: string;
  /** URL of the stylesheet, when built. */
  stylesheet?: string;
  /** URL of the page's script, when built; the page works without it. */
  script?: string;
  main: SafeHtml;
}

/** The document around every reader page: header with the account area, then the page. */
export function layout(options: LayoutOptions): SafeHtml {
  return markup`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · Townhall</title>
        ${options.stylesheet ? markup`<link rel="stylesheet" href="${options.stylesheet}" />` : null}
        ${options.script ? markup`<script src="${options.script}" defer></script>` : null}
      </head>
      <body>
        <a class="skip-link" href="#main">Skip to content</a>
        <header class="site-header">
          <div class="site-header__inner">
            <a class="brand" href="/">Townhall</a>
            <div class="account" data-account hidden>
              <span data-account-name></span>
              <button type="button" class="link-button" data-sign-out>Sign out</button>
            </div>
          </div>
        </header>
        <main id="main" class="page">${options.main}</main>
      </body>
    </html> `;
}
