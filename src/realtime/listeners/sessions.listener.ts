import { Injectable } from '@nestjs/common';
import { OnDomainEvent } from '../../common/events/on-domain-event.decorator';
import type { UserChangedEvent } from '../../users/user.events';
import { SocketServer } from '../transport/socket-server';
import { MODERATORS_ROOM, userRoom } from '../transport/socket-types';
import { sessionChange } from './session-change';

/** A role change or ban: this instance's sockets of that user follow at once, and are told. */
@Injectable()
export class SessionsListener {
  constructor(private readonly sockets: SocketServer) {}

  @OnDomainEvent('user.changed')
  onUserChanged(event: UserChangedEvent): void {
    // the room emits made before this change reach its sockets before `session.changed`
    this.sockets.flush();
    for (const socket of this.sockets.socketsIn(userRoom(event.userId))) {
      const user = socket.data.user;
      if (!user) continue;
      const change = sessionChange(user, event);
      if (change) socket.emit('session.changed', change);
      user.role = event.role;
      user.banned = event.banned;
      if (event.role !== 'reader' && !event.banned) this.sockets.join(socket, MODERATORS_ROOM);
      else void socket.leave(MODERATORS_ROOM);
    }
  }
}
