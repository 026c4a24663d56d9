import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import type { Server, ServerOptions } from 'socket.io';
import { closeRedis } from '../common/redis/close-redis';
import type { AppConfig } from '../config/app-config';

/** A message over 16 KiB closes that socket only. */
export const MAX_SOCKET_MESSAGE_BYTES = 16 * 1024;

/**
 * Socket.IO on the HTTP port: the handshake `Origin` is checked against CORS_ORIGINS (same
 * origin and clients without an Origin always pass), messages are capped at 16 KiB, and with
 * REDIS_URL the Redis adapter connects the instances (room broadcasts, fetchSockets).
 */
export class TownhallIoAdapter extends IoAdapter {
  private readonly logger = new Logger('TownhallIoAdapter');
  private redis: { pub: Redis; sub: Redis } | null = null;

  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: MAX_SOCKET_MESSAGE_BYTES,
      allowRequest: (
        request: IncomingMessage,
        callback: (error: string | null, ok: boolean) => void,
      ) => {
        const allowed = originAllowed(request, this.config.corsOrigins);
        callback(allowed ? null : 'origin not allowed', allowed);
      },
      cors: { origin: this.config.corsOrigins === '*' ? true : this.config.corsOrigins },
    }) as Server;
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
