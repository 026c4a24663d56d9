import WebSocket from 'ws';
import type { Ack, SubscribeResult } from '../../src/realtime/contract';

/** A Socket.IO client on a bare WebSocket: subscribes and reads their acks, nothing else. */
export class RawClient {
  private nextId = 0;
  private readonly acks = new Map<number, (ack: Ack<SubscribeResult>) => void>();
  closed = false;

  private constructor(private readonly ws: WebSocket) {
    ws.on('close', () => (this.closed = true));
    ws.on('message', (data) => {
      const frame = data.toString();
      if (frame === '2') return void ws.send('3');
      if (!frame.startsWith('43')) return;
      const start = frame.indexOf('[');
      const settle = this.acks.get(Number(frame.slice(2, start)));
      settle?.((JSON.parse(frame.slice(start)) as [Ack<SubscribeResult>])[0]);
    });
  }

  static open(base: string): Promise<RawClient> {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    return new Promise((resolve, reject) => {
      ws.once('error', reject);
      ws.on('message', function handshake(data) {
        const frame = data.toString();
        if (frame[0] === '0') ws.send('40');
        else if (frame.startsWith('40')) {
          ws.off('message', handshake);
          resolve(new RawClient(ws));
        }
      });
    });
  }

  subscribe(articleId: string, since?: number): Promise<Ack<SubscribeResult>> {
    const id = this.nextId++;
    this.ws.send(`42${id}${JSON.stringify(['subscribe', { articleId, since }])}`);
    return new Promise((resolve) => this.acks.set(id, resolve));
  }

  close(): void {
    this.ws.terminate();
  }
}
