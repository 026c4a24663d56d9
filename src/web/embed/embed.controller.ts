import { Controller, Get, Param, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { EXTERNAL_ID } from '../../articles/dto/site-article.dto';
import { Public } from '../../common/decorators/public.decorator';
import { EmbedErrorFilter } from './embed-error.filter';
import { EmbedPageService } from './embed-page.service';
import { EmbedRenderer, sendFrame } from './embed-renderer.service';
import { readFrameQuery, requestOrigin, SITE_ID } from './frame-request';

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
    const outcome =
      SITE_ID.test(siteId) && EXTERNAL_ID.test(externalId)
        ? await this.embeds.frame(
            siteId.toLowerCase(),
            externalId,
            frame,
            requestOrigin(request.headers),
            request.ip ?? 'unknown',
          )
        : ({ kind: 'bad-address' } as const);
    sendFrame(response, this.renderer.render(outcome, frame));
  }
}
