import { Module } from '@nestjs/common';
import { ArticlesModule } from '../articles/articles.module';
import { CommentsModule } from '../comments/comments.module';
import { SitesModule } from '../sites/sites.module';
import { AssetsController } from './assets.controller';
import { EmbedErrorFilter } from './embed/embed-error.filter';
import { EmbedPageService } from './embed/embed-page.service';
import { EmbedRenderer } from './embed/embed-renderer.service';
import { EmbedScriptsController } from './embed/embed-scripts.controller';
import { EmbedScripts } from './embed/embed-scripts.service';
import { EmbedController } from './embed/embed.controller';
import { CommentFeedController } from './feed/comment-feed.controller';
import { CommentFeedService } from './feed/comment-feed.service';
import { LatestCommentsRepository } from './feed/latest-comments.repository';
import { HtmlErrorFilter } from './html-error.filter';
import { PageRenderer } from './page-renderer.service';
import { ReaderPagesController } from './reader-pages.controller';
import { ReaderPagesService } from './reader-pages.service';
import { WebAssets } from './web-assets.service';

/**
 * The reader pages (GET /, GET /articles/:slug, its comments.atom), the embed for publishers' pages (embed.js,
 * count.js, the frame) and their static assets.
 */
@Module({
  imports: [ArticlesModule, CommentsModule, SitesModule],
  controllers: [
    ReaderPagesController,
    CommentFeedController,
    AssetsController,
    EmbedController,
    EmbedScriptsController,
  ],
  providers: [
    ReaderPagesService,
    PageRenderer,
    WebAssets,
    HtmlErrorFilter,
    EmbedPageService,
    EmbedRenderer,
    EmbedScripts,
    EmbedErrorFilter,
    CommentFeedService,
    LatestCommentsRepository,
  ],
})
export class WebModule {}
