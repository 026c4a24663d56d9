import { Controller, Get, Param, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { EXTERNAL_ID } from '../../articles/dto/site-article.dto';
import { Public } from '../../common/decorators/public.decorator';
import { AllowedOrigins } from '../../sites/allowed-origins.service';
import { catalogue } from '../i18n';
import { embedError, embedMain } from '../views/embed.page';
import { EmbedErrorFilter } from './embed-error.filter';
import { EmbedPageService } from './embed-page.service';
import { EmbedRenderer } from './embed-renderer.service';
import { readFrameQuery, requestOrigin, SITE_ID, withFrameAncestors } from './frame-request';

/**
 * GET /embed/:siteId/:externalId: the frame embed.js makes. Framable only by the site's own
 * origins (`frame-ancestors`, replacing helmet's `'self'` and X-Frame-Options); the error pages,
 * which show nothing of any site, by anyone, so the publisher sees what went wrong.
 */
@ApiExcludeController()
@Public()
@UseFilters(EmbedErrorFilter)
@Controller('embed')
export class EmbedController {
  constructor(
    private readonly embeds: EmbedPageService,
    private readonly origins: AllowedOrigins,
    private readonly renderer: EmbedRenderer,
  ) {}

  @Get(':siteId/:externalId')
  async frame(
    @Param('siteId') siteId: string,
    @Param('externalId') externalId: string,
    @Query() query: Record<string, unknown>,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const frame = readFrameQuery(query);
    const t = catalogue(frame.lang);
    const send = (status: number, ancestors: string[] | '*', html: string): void => {
      const policy = String(response.getHeader('Content-Security-Policy') ?? '');
      response.status(status).removeHeader('X-Frame-Options');
      response
        .setHeader('Content-Security-Policy', withFrameAncestors(policy, ancestors))
        .setHeader('Cache-Control', 'no-store')
        .type('html')
        .send(html);
    };
    if (!SITE_ID.test(siteId) || !EXTERNAL_ID.test(externalId)) {
      const main = embedError(
        400,
        'Bad embed address',
        'The site id or the article id is malformed.',
      );
      return send(400, '*', this.renderer.document('Bad request', frame, null, main));
    }
    const outcome = await this.embeds.frame(
      siteId.toLowerCase(),
      externalId,
      frame,
      requestOrigin(request.headers),
      request.ip ?? 'unknown',
    );
    if (outcome.kind === 'unknown-site') {
      const main = embedError(404, 'Unknown site', 'There is no Townhall site with this id.');
      return send(404, '*', this.renderer.document('Not found', frame, null, main));
    }
    // the site's origins as they are now on this instance (reloaded on `site.changed`)
    const ancestors = this.origins.originsOf(outcome.site.id);
    const parent =
      frame.parentOrigin && ancestors.includes(frame.parentOrigin) ? frame.parentOrigin : null;
    if (outcome.kind === 'unknown-article') {
      const main = embedError(404, 'No discussion here', 'This article has no discussion yet.');
      return send(404, ancestors, this.renderer.document('Not found', frame, parent, main));
    }
    if (outcome.kind === 'rate-limited') {
      response.setHeader('Retry-After', String(outcome.retryAfterSeconds));
      const main = embedError(429, 'Please try again later', 'Too many new discussions at once.');
      return send(429, ancestors, this.renderer.document('Too many requests', frame, parent, main));
    }
    const main = embedMain(outcome.page, outcome.site.id, t);
    send(
      200,
      ancestors,
      this.renderer.document(outcome.page.article.title, frame, parent, main, true),
    );
  }
}
