import { Injectable } from '@nestjs/common';
import type { CommentPendingEvent } from '../../comments/comment-moderation.events';
import { OnDomainEvent } from '../../common/events/on-domain-event.decorator';
import type { ReportCreatedEvent } from '../../moderation/moderation.events';
import { SocketServer } from '../transport/socket-server';
import { MODERATORS_ROOM } from '../transport/socket-types';

/** What moderators and admins see live, whether subscribed to the article or not. */
@Injectable()
export class ModeratorsListener {
  constructor(private readonly sockets: SocketServer) {}

  @OnDomainEvent('report.created')
  onReport(event: ReportCreatedEvent): void {
    this.sockets.emit(MODERATORS_ROOM, 'report.created', event);
  }

  @OnDomainEvent('comment.pending')
  onPending(event: CommentPendingEvent): void {
    this.sockets.emit(MODERATORS_ROOM, 'comment.pending', { comment: event.comment });
  }
}
