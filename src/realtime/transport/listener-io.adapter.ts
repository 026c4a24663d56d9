import { Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { Observable } from 'rxjs';
import type { Socket } from 'socket.io';

/**
 * Nest's Socket.IO adapter with a leaner per-socket binding of the gateway's handlers: one
 * plain listener per message, where Nest builds rxjs chains per socket and message (fromEvent,
 * mergeMap, takeUntil a shared disconnect stream): about half of what an idle subscribed socket
 * held on the heap beyond a bare socket.io server (`npm run bench -- memory`). Same behaviour:
 * a handler's value (or the values of its Observable) is the ack, `{event, data}` is emitted,
 * nothing is sent for null or undefined or when the handler acks by itself; the listeners go
 * with the socket.
 */
export class ListenerIoAdapter extends IoAdapter {
  private readonly bindingLogger = new Logger('ListenerIoAdapter');

  override bindMessageHandlers(
    socket: Socket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    for (const { message, callback, isAckHandledManually } of handlers) {
      // rxjs fromEvent's value, as Nest's binding gets it: the argument, or all of them
      socket.on(String(message), (...args: unknown[]) => {
        const { data, ack } = this.mapPayload(args.length === 1 ? args[0] : args);
        transform(callback(data, ack)).subscribe({
          next: (response) => {
            if (response === null || response === undefined) return;
            const reply = response as { event?: string; data?: unknown };
            if (reply.event) {
              socket.emit(reply.event, reply.data);
            } else if (!isAckHandledManually && typeof ack === 'function') {
              (ack as (value: unknown) => void)(response);
            }
          },
          error: (error: unknown) =>
            this.bindingLogger.error(`handler of "${String(message)}" failed: ${String(error)}`),
        });
      });
    }
  }
}
