import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import type { Server, ServerOptions } from 'socket.io';
import { closeRedis } from '../common/redis/close-redis';
import { replayAwareParser } from './ack-encoder';
import type { AppConfig } from '../config/app-config';
import { ConnectionsPerIp } from './connections-per-ip';
import { ListenerIoAdapter } from './listener-io.adapter';

/** A message over 16 KiB closes that socket only. */
export const MAX_SOCKET_MESSAGE_BYTES = 16 * 1024;

/**
 * Socket.IO on the HTTP port: the handshake `Origin` is checked against CORS_ORIGINS (same
 * origin and clients without an Origin always pass), connections per client address are capped
 * (SOCKET_MAX_CONNECTIONS_PER_IP), messages are capped at 16 KiB, and with
 * REDIS_URL the Redis adapter connects the instances (room broadcasts, fetchSockets).
 */
export class TownhallIoAdapter extends ListenerIoAdapter {
  private readonly logger = new Logger('TownhallIoAdapter');
  private redis: { pub: Redis; sub: Redis } | null = null;

  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const perIp = new ConnectionsPerIp(this.config.socketLimits.maxConnectionsPerIp);
    const server = super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: MAX_SOCKET_MESSAGE_BYTES,
      parser: replayAwareParser,
      allowRequest: (
        request: IncomingMessage,
        callback: (error: string | null, ok: boolean) => void,
      ) => {
        if (!originAllowed(request, this.config.corsOrigins)) {
          callback('origin not allowed', false);
        } else if (!perIp.admit(request)) {
          callback('too many connections', false);
        } else {
          callback(null, true);
        }
      },
      cors: { origin: this.config.corsOrigins === '*' ? true : this.config.corsOrigins },
    }) as Server;
    // first: the gateway's own `connection` listener drops the handshake request
    perIp.watch(server.engine);
    if (this.config.redisUrl) {
      // no per-command retry limit: the adapter's commands wait for Redis instead of failing
      const pub = new Redis(this.config.redisUrl, {
        connectionName: 'townhall-io-pub',
        maxRetriesPerRequest: null,
      });
      const sub = pub.duplicate({ connectionName: 'townhall-io-sub' });
      // errors are retried by ioredis; the relay logs the connection state
      pub.on('error', () => undefined);
      sub.on('error', () => undefined);
      this.redis = { pub, sub };
      server.adapter(createAdapter(pub, sub, { key: 'townhall:io' }));
      this.logger.log('Socket.IO Redis adapter enabled');
    }
    return server;
  }

  override async close(server: Server): Promise<void> {
    await super.close(server);
    if (this.redis) {
      await Promise.all([closeRedis(this.redis.pub), closeRedis(this.redis.sub)]);
      this.redis = null;
    }
  }
}

function originAllowed(request: IncomingMessage, allowed: AppConfig['corsOrigins']): boolean {
  const origin = request.headers.origin;
  if (origin === undefined || allowed === '*') return true;
  try {
    if (new URL(origin).host === request.headers.host) return true;
  } catch {
    return false;
  }
  return allowed.includes(origin);
}
