import type { IncomingMessage } from 'node:http';
import { clientAddress, type TrustProxy } from '../../common/net/client-address';

/** The Engine.IO server events this count follows. */
interface EngineEvents {
  on(event: 'connection', listener: (connection: EngineConnection) => void): unknown;
  on(event: 'connection_error', listener: (error: { req: IncomingMessage }) => void): unknown;
}
interface EngineConnection {
  request: IncomingMessage;
  once(event: 'close', listener: () => void): unknown;
}
interface Hold {
  release(): void;
  onTcpClose(): void;
}

/**
 * Live Engine.IO connections per client address, for SOCKET_MAX_CONNECTIONS_PER_IP. The address
 * is the TCP peer's, or behind TRUST_PROXY the one its X-Forwarded-For names (without it,
 * behind a proxy every client counts as the proxy). Handshakes run concurrently, so one the cap lets through holds its place at once;
 * the place passes to the connection it becomes, or is given back when the handshake fails or
 * its TCP socket closes first.
 */
export class ConnectionsPerIp {
  private readonly counts = new Map<string, number>();
  private readonly pending = new WeakMap<IncomingMessage, Hold>();

  /** @param max connections per address; 0: unlimited. */
  constructor(
    private readonly max: number,
    private readonly trust: TrustProxy | null = null,
  ) {}

  /** Must be called before any other `connection` listener (one may drop `request`). */
  watch(engine: EngineEvents): void {
    engine.on('connection', (connection) => {
      const hold = this.pending.get(connection.request);
      if (!hold) return;
      this.pending.delete(connection.request);
      connection.request.socket.off('close', hold.onTcpClose);
      connection.once('close', hold.release);
    });
    engine.on('connection_error', ({ req }) => {
      const hold = this.pending.get(req);
      if (!hold) return;
      this.pending.delete(req);
      req.socket.off('close', hold.onTcpClose);
      hold.release();
    });
  }

  /** For allowRequest (handshakes only): false when the address is at the cap. */
  admit(request: IncomingMessage): boolean {
    if (this.max === 0) return true;
    const address = clientAddress(request, this.trust);
    const count = this.counts.get(address) ?? 0;
    if (count >= this.max) return false;
    this.counts.set(address, count + 1);
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      const left = (this.counts.get(address) ?? 1) - 1;
      if (left > 0) this.counts.set(address, left);
      else this.counts.delete(address);
    };
    const onTcpClose = (): void => {
      this.pending.delete(request);
      release();
    };
    this.pending.set(request, { release, onTcpClose });
    request.socket.once('close', onTcpClose);
    return true;
  }

  /** Live connections (and handshakes in progress) of `address`. */
  count(address: string): number {
    return this.counts.get(address) ?? 0;
  }
}
