import { Injectable } from '@nestjs/common';
import type { SafeHtml } from '../views/html';
import { embedDocument } from '../views/embed.page';
import { WebAssets } from '../web-assets.service';
import type { FrameRequest } from './frame-request';

/** Wraps the frame's content in its document, linking the built stylesheet and script. */
@Injectable()
export class EmbedRenderer {
  constructor(private readonly assets: WebAssets) {}

  document(
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
      // the error pages too: they report their height
      script: interactive || parentOrigin ? this.assets.url('frame.js') : undefined,
    });
  }
}
