import { Injectable } from '@nestjs/common';
import type { ArticleSummaryView, ArticleView } from '../articles/articles.repository';
import { ArticlesService } from '../articles/articles.service';
import type { CommentView } from '../comments/comment.view';
import { CommentsService } from '../comments/comments.service';

/** A comment with the replies shown under it. */
export interface ThreadNode {
  comment: CommentView;
  replies: ThreadNode[];
}

export interface ArticlePage {
  article: ArticleView;
  /** The article's comment `seq` read before the comments: the page subscribes `since` it. */
  seq: number;
  thread: ThreadNode[];
  nextCursor: string | null;
}

export const TOP_LEVEL_PAGE = 20;
const REPLIES_PER_COMMENT = 20;
const MAX_DEPTH = 6;
/** Bounds the reads of one page view, however busy the discussion. */
const MAX_REPLY_LISTS = 60;

/** What the server-rendered reader pages show, read through the features' services. */
@Injectable()
export class ReaderPagesService {
  constructor(
    private readonly articles: ArticlesService,
    private readonly comments: CommentsService,
  ) {}

  /**
   * Where a comment's permalink (`/comments/:id`, in mails and the embed's inbox) leads: the
   * publisher's page of its article when the article has one (embed.js then shows the comment:
   * `#townhall-comment-<id>`), else this server's reader page. 404 for no such comment.
   */
  async commentLocation(commentId: string): Promise<string> {
    const comment = await this.comments.find(commentId);
    const article = await this.articles.get(comment.articleId);
    if (article.url && URL.canParse(article.url)) {
      const page = new URL(article.url);
      page.hash = `townhall-comment-${comment.id}`;
      return page.href;
    }
    return `/articles/${encodeURIComponent(article.slug)}#comment-${comment.id}`;
  }

  async articleList(): Promise<ArticleSummaryView[]> {
    return (await this.articles.list(50)).items;
  }

  /**
   * The article and the first page of its comments, newest first after the featured ones, with
   * replies oldest first.
   */
  async articlePage(slug: string, cursor?: string): Promise<ArticlePage> {
    const article = await this.articles.get(slug);
    const seq = article.commentSeq;
    const page = await this.comments.list(article.id, {
      sort: 'newest',
      limit: TOP_LEVEL_PAGE,
      cursor,
      showOriginals: false,
    });
    // the first page starts with the editors' picks (top-level ones; replies stay in place)
    const picks = cursor
      ? []
      : (
          await this.comments.list(article.id, {
            sort: 'newest',
            limit: TOP_LEVEL_PAGE,
            showOriginals: false,
            featuredOnly: true,
          })
        ).items.filter((comment) => comment.parentId === null);
    const pinned = new Set(picks.map((comment) => comment.id));
    const comments = [...picks, ...page.items.filter((comment) => !pinned.has(comment.id))];
    const budget = { replyLists: MAX_REPLY_LISTS };
    const thread = await this.withReplies(article.id, comments, 1, budget);
    return { article, seq, thread, nextCursor: page.nextCursor };
  }

  private async withReplies(
    articleId: string,
    comments: CommentView[],
    depth: number,
    budget: { replyLists: number },
  ): Promise<ThreadNode[]> {
    const nodes: ThreadNode[] = [];
    for (const comment of comments) {
      let replies: ThreadNode[] = [];
      if (comment.replyCount > 0 && depth < MAX_DEPTH && budget.replyLists > 0) {
        budget.replyLists -= 1;
        const page = await this.comments.list(articleId, {
          parentId: comment.id,
          sort: 'oldest',
          limit: REPLIES_PER_COMMENT,
          showOriginals: false,
        });
        replies = await this.withReplies(articleId, page.items, depth + 1, budget);
      }
      // a tombstone only matters where it holds replies in place; alone it is just noise
      if (comment.status !== 'visible' && replies.length === 0) continue;
      nodes.push({ comment, replies });
    }
    return nodes;
  }
}
