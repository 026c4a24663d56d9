import type { IncomingMessage } from 'node:http';
import type { Server, ServerOptions } from 'socket.io';
import type { AppConfig } from '../../config/app-config';
import type { AllowedOrigins } from '../../sites/allowed-origins.service';
import { replayAwareParser } from './ack-encoder';
import { compileTrustProxy } from '../../common/net/client-address';
import { ConnectionsPerIp } from './connections-per-ip';
import { ListenerIoAdapter } from './listener-io.adapter';

/** A message over 16 KiB closes that socket only. */
export const MAX_SOCKET_MESSAGE_BYTES = 16 * 1024;

/**
 * Socket.IO on the HTTP port: the handshake `Origin` is checked against the allowed origins
 * (CORS_ORIGINS and every site's; same origin and clients without an Origin always pass), connections per client address are capped
 * (SOCKET_MAX_CONNECTIONS_PER_IP) and messages at 16 KiB. Each instance emits only to its own
 * sockets; events reach the other instances through the event relay (fanout/event-relay.ts), so
 * no Socket.IO adapter between instances is needed.
 */
export class TownhallIoAdapter extends ListenerIoAdapter {
  constructor(
    app: ConstructorParameters<typeof ListenerIoAdapter>[0],
    private readonly config: AppConfig,
    private readonly origins: AllowedOrigins,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const perIp = new ConnectionsPerIp(
      this.config.socketLimits.maxConnectionsPerIp,
      compileTrustProxy(this.config.trustProxy),
    );
    const server = super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: MAX_SOCKET_MESSAGE_BYTES,
      parser: replayAwareParser,
      allowRequest: (
        request: IncomingMessage,
        callback: (error: string | null, ok: boolean) => void,
      ) => {
        if (!originAllowed(request, this.origins)) {
          callback('origin not allowed', false);
        } else if (!perIp.admit(request)) {
          callback('too many connections', false);
        } else {
          callback(null, true);
        }
      },
      // long-polling requests from a publisher's page need CORS answers too
      cors: {
        origin: (origin: string | undefined, callback: (error: null, ok: boolean) => void) =>
          callback(null, origin === undefined || this.origins.isAllowed(origin)),
      },
    }) as Server;
    // first: the gateway's own `connection` listener drops the handshake request
    perIp.watch(server.engine);
    return server;
  }
}

/** Same origin, no Origin at all (not a browser), or an allowed one. */
function originAllowed(request: IncomingMessage, allowed: AllowedOrigins): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    if (new URL(origin).host === request.headers.host) return true;
  } catch {
    return false;
  }
  return allowed.isAllowed(origin);
}
