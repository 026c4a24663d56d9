import { Injectable } from '@nestjs/common';
import type { CommentChangedEvent } from '../../comments/comment.events';
import type { CommentScoreChangedEvent } from '../../comments/votes/comment-score.events';
import { OnDomainEvent } from '../../common/events/on-domain-event.decorator';
import type { TallyChangedEvent } from '../../votes/vote.events';
import { ArticleFeeds } from '../feed/article-feeds.service';
import { FeedReads } from '../feed/feed-reads';

/** Comment changes and tallies, from any instance, into the article feeds of this one. */
@Injectable()
export class FeedListener {
  constructor(
    private readonly feeds: ArticleFeeds,
    private readonly reads: FeedReads,
  ) {}

  @OnDomainEvent('comment.changed')
  onComment(event: CommentChangedEvent): void {
    this.reads.changed(event.articleId);
    this.feeds.onComment(event);
  }

  @OnDomainEvent('comment.score.changed')
  onScore(event: CommentScoreChangedEvent): void {
    this.reads.changed(event.articleId);
    this.feeds.onScore(event);
  }

  @OnDomainEvent('tally.changed')
  onTally(event: TallyChangedEvent): void {
    this.feeds.onTally(event);
  }
}
