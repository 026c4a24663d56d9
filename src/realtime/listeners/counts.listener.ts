import { Injectable } from '@nestjs/common';
import type { CommentChangedEvent } from '../../comments/comment.events';
import { OnDomainEvent } from '../../common/events/on-domain-event.decorator';
import type { TallyChangedEvent } from '../../votes/vote.events';
import { CountWatches } from '../feed/count-watches.service';

/** Comment changes and tallies, from any instance, into the watched count badges. */
@Injectable()
export class CountsListener {
  constructor(private readonly watches: CountWatches) {}

  @OnDomainEvent('comment.changed')
  onComment(event: CommentChangedEvent): void {
    this.watches.onComment(event);
  }

  @OnDomainEvent('tally.changed')
  onTally(event: TallyChangedEvent): void {
    this.watches.onTally(event);
  }
}
