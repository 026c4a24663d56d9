import { Injectable } from '@nestjs/common';
import { OnDomainEvent } from '../../common/events/on-domain-event.decorator';
import type { NotificationCreatedEvent } from '../../notifications/notification.events';
import { SocketServer } from '../transport/socket-server';
import { userRoom } from '../transport/socket-types';

/** Every socket of the notified user on this instance, subscribed to anything or not. */
@Injectable()
export class NotificationsListener {
  constructor(private readonly sockets: SocketServer) {}

  @OnDomainEvent('notification.created')
  onNotification(event: NotificationCreatedEvent): void {
    this.sockets.emit(userRoom(event.userId), 'notification', {
      notification: event.notification,
    });
  }
}
