import { Injectable } from '@nestjs/common';
import type { CommentChangedEvent } from '../comments/comment.events';
import { OnDomainEvent } from '../common/events/on-domain-event.decorator';
import '../votes/vote.events';
import { MetricsService } from './metrics.service';

/** Counts the writes of this instance (not those other instances publish). */
@Injectable()
export class WriteMetricsListener {
  constructor(private readonly metrics: MetricsService) {}

  @OnDomainEvent('tally.changed', 'instance')
  onTally(): void {
    this.metrics.votes.inc();
  }

  @OnDomainEvent('comment.changed', 'instance')
  onComment(event: CommentChangedEvent): void {
    this.metrics.comments.inc({ type: event.type });
  }
}
