import type { IncomingMessage, Server, ServerResponse } from 'node:http';

const IDLE_CHECK_MS = 100;

/**
 * Makes a closing HTTP server let go of its keep-alive connections: `server.close()` closes
 * only the connections idle at that moment and then waits for the others to time out
 * (`keepAliveTimeout`, 5 s). From this call on, every answer says `Connection: close`, and
 * every connection is closed as soon as it has no request in progress. Call it when the
 * shutdown begins; the returned function stops the idle sweep.
 */
export function drainHttpConnections(server: Server): () => void {
  const closeAfterAnswer = (_request: IncomingMessage, response: ServerResponse): void => {
    if (!response.headersSent) response.setHeader('Connection', 'close');
  };
  // before Express's listener, so no answer has been started yet
  server.prependListener('request', closeAfterAnswer);
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_CHECK_MS);
  sweep.unref();
  return () => {
    clearInterval(sweep);
    server.off('request', closeAfterAnswer);
  };
}
