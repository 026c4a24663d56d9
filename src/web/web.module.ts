import { Module } from '@nestjs/common';
import { ArticlesModule } from '../articles/articles.module';
import { CommentsModule } from '../comments/comments.module';
import { AssetsController } from './assets.controller';
import { HtmlErrorFilter } from './html-error.filter';
import { PageRenderer } from './page-renderer.service';
import { ReaderPagesController } from './reader-pages.controller';
import { ReaderPagesService } from './reader-pages.service';
import { WebAssets } from './web-assets.service';

/** The reader pages (GET /, GET /articles/:slug) and their static assets. */
@Module({
  imports: [ArticlesModule, CommentsModule],
  controllers: [ReaderPagesController, AssetsController],
  providers: [ReaderPagesService, PageRenderer, WebAssets, HtmlErrorFilter],
})
export class WebModule {}
