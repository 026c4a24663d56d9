import {
  Controller,
  Get,
  Header,
  Param,
  ParseUUIDPipe,
  Query,
  Redirect,
  UseFilters,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../common/decorators/public.decorator';
import { HtmlErrorFilter } from './html-error.filter';
import { PageRenderer } from './page-renderer.service';
import { ReaderPagesService } from './reader-pages.service';
import { articleListMain } from './views/article-list.page';
import { articleMain } from './views/article.page';

/** The server-rendered reader pages: readable without JavaScript, live with it. */
@ApiExcludeController()
@Public()
@UseFilters(HtmlErrorFilter)
@Controller()
export class ReaderPagesController {
  constructor(
    private readonly pages: ReaderPagesService,
    private readonly renderer: PageRenderer,
  ) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  async home(): Promise<string> {
    return this.renderer.page('Articles', articleListMain(await this.pages.articleList()));
  }

  /** `?cursor=` pages through older comments without JavaScript. */
  @Get('articles/:slug')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  async article(@Param('slug') slug: string, @Query('cursor') cursor: unknown): Promise<string> {
    const page = await this.pages.articlePage(
      slug,
      typeof cursor === 'string' ? cursor : undefined,
    );
    return this.renderer.page(page.article.title, articleMain(page), { interactive: true });
  }

  /** A comment's permalink: 302 to the page that shows it (ReaderPagesService.commentLocation). */
  @Get('comments/:id')
  @Header('Cache-Control', 'no-cache')
  @Redirect()
  async comment(
    @Param('id', new ParseUUIDPipe({ version: undefined, errorHttpStatusCode: 404 })) id: string,
  ): Promise<{ url: string; statusCode: number }> {
    return { url: await this.pages.commentLocation(id), statusCode: 302 };
  }
}
