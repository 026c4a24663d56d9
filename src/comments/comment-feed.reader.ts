import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { CommentChangedEvent } from './comment.events';
import { toCommentView } from './comment.view';
import {
  type ArticleSnapshot,
  CommentsRepository,
  type LoggedCommentEvent,
} from './comments.repository';

export type { ArticleSnapshot } from './comments.repository';

/**
 * What live feeds read of comments: where an article's stream stands, and its event log as
 * readers may see it now. Each call runs in a database context of its own, since feeds read
 * outside any HTTP request (socket handlers, timers, relay listeners).
 */
@Injectable()
export class CommentFeedReader {
  constructor(
    private readonly comments: CommentsRepository,
    private readonly orm: MikroORM,
  ) {}

  snapshot(articleId: string): Promise<ArticleSnapshot | null> {
    return this.inContext(() => this.comments.snapshot(articleId));
  }

  snapshots(articleIds: string[]): Promise<ArticleSnapshot[]> {
    return this.inContext(() => this.comments.snapshots(articleIds));
  }

  /**
   * The article's comment events with `after < seq <= upTo`, in order, each showing its comment
   * as it is now (one removed since replays as a tombstone).
   */
  async eventsBetween(
    articleId: string,
    after: number,
    upTo: number,
  ): Promise<CommentChangedEvent[]> {
    const logged = await this.inContext(() => this.comments.eventsBetween(articleId, after, upTo));
    return logged.map((entry) => changeOf(articleId, entry));
  }

  private inContext<T>(work: () => Promise<T>): Promise<T> {
    return RequestContext.create(this.orm.em, work);
  }
}

function changeOf(articleId: string, entry: LoggedCommentEvent): CommentChangedEvent {
  return entry.type === 'comment.removed'
    ? {
        type: entry.type,
        articleId,
        seq: entry.seq,
        commentId: entry.comment.id,
        status: entry.status ?? entry.comment.status,
      }
    : { type: entry.type, articleId, seq: entry.seq, comment: toCommentView(entry.comment) };
}
