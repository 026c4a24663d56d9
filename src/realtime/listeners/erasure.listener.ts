import { Injectable } from '@nestjs/common';
import type { UserErasedEvent } from '../../account/account.events';
import { OnDomainEvent } from '../../common/events/on-domain-event.decorator';
import { SocketServer } from '../transport/socket-server';
import { userRoom } from '../transport/socket-types';

/** An erased account keeps no open socket on any instance. */
@Injectable()
export class ErasureListener {
  constructor(private readonly sockets: SocketServer) {}

  @OnDomainEvent('user.erased')
  onErased(event: UserErasedEvent): void {
    for (const socket of this.sockets.socketsIn(userRoom(event.userId))) socket.disconnect(true);
  }
}
