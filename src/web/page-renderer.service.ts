import { Injectable } from '@nestjs/common';
import { layout } from './views/layout';
import type { SafeHtml } from './views/html';
import { WebAssets } from './web-assets.service';

/** Wraps a page's main content in the document, linking the built stylesheet and script. */
@Injectable()
export class PageRenderer {
  constructor(private readonly assets: WebAssets) {}

  page(title: string, main: SafeHtml, options: { interactive?: boolean } = {}): string {
    return layout({
      title,
      main,
      stylesheet: this.assets.url('townhall.css'),
      script: options.interactive ? this.assets.url('article.js') : undefined,
    }).toString();
  }
}
