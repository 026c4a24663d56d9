import type { IncomingMessage } from 'node:http';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { Ack, SubscribeResult, WatchResult } from './contract';
import { CountWatches } from './feed/count-watches.service';
import { Subscriptions } from './feed/subscriptions.service';
import { handshakeError } from './transport/handshake-error';
import { HandshakeAuth } from './transport/handshake-auth.service';
import { ReauthDto, SubscribeDto, UnsubscribeDto, WatchDto } from './transport/socket-payloads.dto';
import { SocketLimitsService } from './transport/socket-limits.service';
import { SocketServer } from './transport/socket-server';
import { SocketSessions } from './transport/socket-sessions.service';
import type { TownhallServer, TownhallSocket } from './transport/socket-types';
import { failureAck, isAck, validatePayload } from './transport/socket-validation';

/**
 * Live updates: routes socket connections and client events to the services that handle
 * them. Payloads are validated with the HTTP DTO machinery and every event is answered through
 * its acknowledgement; broadcasts come from the listeners (listeners/).
 */
@WebSocketGateway()
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  constructor(
    private readonly sockets: SocketServer,
    private readonly auth: HandshakeAuth,
    private readonly sessions: SocketSessions,
    private readonly limits: SocketLimitsService,
    private readonly subscriptions: Subscriptions,
    private readonly counts: CountWatches,
  ) {}

  afterInit(server: TownhallServer): void {
    this.sockets.attach(server);
    this.limits.attach(server);
    // the handshake request (headers, buffers) is not needed once the socket is open
    server.engine.on('connection', (raw: { request: IncomingMessage | null }) => {
      if (raw.request) this.sessions.opened(raw, raw.request);
      raw.request = null;
    });
    server.use((socket, next) => {
      this.auth.authenticate(socket).then(
        () => next(),
        (error: unknown) => next(handshakeError(error)),
      );
    });
  }

  handleConnection(socket: TownhallSocket): void {
    this.sessions.connected(socket);
  }

  handleDisconnect(socket: TownhallSocket): void {
    this.subscriptions.dropAll(socket);
    this.counts.dropAll(socket);
    this.sessions.disconnected(socket);
  }

  @SubscribeMessage('subscribe')
  async subscribe(
    @ConnectedSocket() socket: TownhallSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<SubscribeResult>> {
    const dto = await validatePayload(SubscribeDto, body);
    return isAck(dto) ? dto : this.subscriptions.subscribe(socket, dto);
  }

  @SubscribeMessage('unsubscribe')
  async unsubscribe(
    @ConnectedSocket() socket: TownhallSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack> {
    const dto = await validatePayload(UnsubscribeDto, body);
    return isAck(dto) ? dto : this.subscriptions.unsubscribe(socket, dto);
  }

  @SubscribeMessage('watch')
  async watch(
    @ConnectedSocket() socket: TownhallSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<WatchResult>> {
    const dto = await validatePayload(WatchDto, body);
    if (isAck(dto)) return dto;
    return this.counts.watch(socket, dto).catch((error: unknown) => failureAck(error, 'watch'));
  }

  @SubscribeMessage('reauth')
  async reauth(
    @ConnectedSocket() socket: TownhallSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack> {
    const dto = await validatePayload(ReauthDto, body);
    if (isAck(dto)) return dto;
    return this.auth
      .reauthenticate(socket, dto.token)
      .catch((error: unknown) => failureAck(error, 'reauth'));
  }
}
