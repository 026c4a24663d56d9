import { Controller, Get, NotFoundException, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../../common/decorators/public.decorator';
import { EmbedScripts } from './embed-scripts.service';

/** Short: a new release reaches publishers' pages within minutes; the ETag saves the body. */
const MAX_AGE_S = 300;

/** GET /embed.js and GET /count.js, loaded by publishers' pages on other origins. */
@ApiExcludeController()
@Public()
@Controller()
export class EmbedScriptsController {
  constructor(private readonly scripts: EmbedScripts) {}

  @Get('embed.js')
  embed(@Req() request: Request, @Res() response: Response): void {
    this.send('embed.js', request, response);
  }

  @Get('count.js')
  count(@Req() request: Request, @Res() response: Response): void {
    this.send('count.js', request, response);
  }

  private send(name: 'embed.js' | 'count.js', request: Request, response: Response): void {
    const script = this.scripts.get(name);
    if (!script) throw new NotFoundException(`${name} is not built`);
    response
      // helmet's same-origin would keep other origins' pages from running it
      .setHeader('Cross-Origin-Resource-Policy', 'cross-origin')
      .setHeader('Cache-Control', `public, max-age=${MAX_AGE_S}`)
      .setHeader('ETag', script.etag)
      .type('application/javascript; charset=utf-8');
    if (request.headers['if-none-match'] === script.etag) {
      response.status(304).end();
      return;
    }
    response.send(script.body);
  }
}
