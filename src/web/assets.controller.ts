import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../common/decorators/public.decorator';
import { WebAssets } from './web-assets.service';

const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/** The bundled script and stylesheet; content-hashed names, so cached for good. */
@ApiExcludeController()
@Public()
@Controller('assets')
export class AssetsController {
  constructor(private readonly assets: WebAssets) {}

  @Get(':file')
  serve(@Param('file') file: string, @Res() response: Response): void {
    const path = this.assets.path(file);
    if (!path) throw new NotFoundException('asset not found');
    response.sendFile(path, { maxAge: ONE_YEAR_MS, immutable: true });
  }
}
