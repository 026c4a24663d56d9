import { Inject, Injectable } from '@nestjs/common';
import { Feed } from 'feed';
import { ArticlesService } from '../../articles/articles.service';
import { LatestCommentsRepository } from './latest-comments.repository';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { escapeHtml } from '../views/html';

export const FEED_SIZE = 50;
const TITLE_LENGTH = 80;

/**
 * The Atom feed of an article's latest visible comments, built by the `feed` library. Comment
 * bodies are plain text: they go into the feed's HTML content escaped (newlines as <br>), so a
 * body can never become markup in a feed reader, nor end the library's CDATA section.
 */
@Injectable()
export class CommentFeedService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly articles: ArticlesService,
    private readonly latest: LatestCommentsRepository,
  ) {}

  async atom(slug: string): Promise<string> {
    const article = await this.articles.get(slug);
    const comments = await this.latest.latestVisible(article.id, FEED_SIZE);
    const page = `${this.config.publicUrl}/articles/${encodeURIComponent(article.slug)}`;
    const feed = new Feed({
      id: `${page}/comments.atom`,
      title: `Comments on ${article.title}`,
      // the article where readers read it: the publisher's page when it has one
      link: article.url ?? page,
      feedLinks: { atom: `${page}/comments.atom` },
      updated: comments[0]?.createdAt ?? new Date(article.publishedAt),
      copyright: '',
      generator: 'Townhall',
    });
    for (const comment of comments) {
      const excerpt = comment.body.replace(/\s+/g, ' ').trim();
      feed.addItem({
        id: `urn:uuid:${comment.id}`,
        // the permalink (ReaderPagesController): to the comment on the publisher's page or ours
        link: `${this.config.publicUrl}/comments/${comment.id}`,
        title: escapeHtml(
          `${comment.author.displayName}: ${excerpt.length > TITLE_LENGTH ? `${excerpt.slice(0, TITLE_LENGTH - 1)}…` : excerpt}`,
        ),
        date: comment.editedAt ?? comment.createdAt,
        published: comment.createdAt,
        author: [{ name: comment.author.displayName }],
        content: escapeHtml(comment.body).replace(/\n/g, '<br>\n'),
      });
    }
    return feed.atom1();
  }
}
