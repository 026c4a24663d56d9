import { Controller, Get, Header, Param } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../../common/decorators/public.decorator';
import { CommentFeedService } from './comment-feed.service';

/** `GET /articles/:slug/comments.atom`: for feed readers, beside the reader page. */
@ApiExcludeController()
@Public()
@Controller()
export class CommentFeedController {
  constructor(private readonly feeds: CommentFeedService) {}

  @Get('articles/:slug/comments.atom')
  @Header('Content-Type', 'application/atom+xml; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=60')
  atom(@Param('slug') slug: string): Promise<string> {
    return this.feeds.atom(slug);
  }
}
