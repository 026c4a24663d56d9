import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { AllowedOrigins } from '../../sites/allowed-origins.service';
import { catalogue } from '../i18n';
import { embedDocument, embedError, embedMain } from '../views/embed.page';
import type { SafeHtml } from '../views/html';
import { WebAssets } from '../web-assets.service';
import type { EmbedOutcome } from './embed-page.service';
import { type FrameRequest, withFrameAncestors } from './frame-request';

/** A frame page and who may frame it: the site's origins, or anyone for pages of no site. */
export interface FramePage {
  status: number;
  ancestors: string[] | '*';
  html: string;
  retryAfterSeconds?: number;
}

/** Turns what the frame should show into its page, linking the built stylesheet and script. */
@Injectable()
export class EmbedRenderer {
  constructor(
    private readonly assets: WebAssets,
    private readonly origins: AllowedOrigins,
  ) {}

  render(outcome: EmbedOutcome | { kind: 'bad-address' }, frame: FrameRequest): FramePage {
    if (outcome.kind === 'bad-address') {
      return this.error(
        frame,
        400,
        'Bad embed address',
        'The site id or the article id is malformed.',
      );
    }
    if (outcome.kind === 'unknown-site') {
      return this.error(frame, 404, 'Unknown site', 'There is no Townhall site with this id.');
    }
    // the site's origins as they are now on this instance (reloaded on `site.changed`)
    const ancestors = this.origins.originsOf(outcome.site.id);
    const parent =
      frame.parentOrigin && ancestors.includes(frame.parentOrigin) ? frame.parentOrigin : null;
    const page = (status: number, title: string, main: SafeHtml, interactive = false) => ({
      status,
      ancestors,
      html: this.document(title, frame, parent, main, interactive),
    });
    switch (outcome.kind) {
      case 'unknown-article':
        return page(
          404,
          'Not found',
          embedError(404, 'No discussion here', 'This article has no discussion yet.'),
        );
      case 'rate-limited':
        return {
          ...page(
            429,
            'Too many requests',
            embedError(429, 'Please try again later', 'Too many new discussions at once.'),
          ),
          retryAfterSeconds: outcome.retryAfterSeconds,
        };
      case 'page': {
        const main = embedMain(outcome.page, outcome.site.id, catalogue(frame.lang));
        return page(200, outcome.page.article.title, main, true);
      }
    }
  }

  /** A page that shows nothing of any site (bad address, unknown site, a failure). */
  error(frame: FrameRequest, status: number, heading: string, text: string): FramePage {
    const html = this.document(heading, frame, null, embedError(status, heading, text));
    return { status, ancestors: '*', html };
  }

  private document(
    title: string,
    frame: FrameRequest,
    parentOrigin: string | null,
    main: SafeHtml,
    interactive = false,
  ): string {
    return embedDocument({
      title,
      lang: frame.lang,
      theme: frame.theme,
      parentOrigin,
      main,
      stylesheet: this.assets.url('embed.css'),
      // the error pages too, when framed by the site: they report their height
      script: interactive || parentOrigin ? this.assets.url('frame.js') : undefined,
    });
  }
}

/** Sends a frame page with its own `frame-ancestors` (helmet's otherwise) and no X-Frame-Options. */
export function sendFrame(response: Response, page: FramePage): void {
  const policy = String(response.getHeader('Content-Security-Policy') ?? '');
  response.removeHeader('X-Frame-Options');
  if (page.retryAfterSeconds) response.setHeader('Retry-After', String(page.retryAfterSeconds));
  response
    .status(page.status)
    .setHeader('Content-Security-Policy', withFrameAncestors(policy, page.ancestors))
    .setHeader('Cache-Control', 'no-store')
    .type('html')
    .send(page.html);
}
