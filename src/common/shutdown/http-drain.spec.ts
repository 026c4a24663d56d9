import { Agent, createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { drainHttpConnections } from './http-drain';

function fetchWith(agent: Agent, port: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/', agent }, (response) => {
      response.resume();
      response.once('end', () => resolve(response));
    }).once('error', reject);
  });
}

describe('drainHttpConnections', () => {
  let server: Server;
  let port: number;
  let agent: Agent;

  beforeEach(async () => {
    // answers after 200 ms, so a request can be in flight when the drain starts
    server = createServer((_request, response) => {
      setTimeout(() => response.end('ok'), 200);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    agent = new Agent({ keepAlive: true });
  });
  afterEach(async () => {
    agent.destroy();
    server.closeAllConnections();
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  });

  it('finishes the request in flight, then closes its keep-alive connection at once', async () => {
    await fetchWith(agent, port); // one idle keep-alive connection
    const inFlight = fetchWith(agent, port);
    await new Promise((resolve) => setTimeout(resolve, 50));

    // without the drain, the connection would stay open this long after its answer
    server.keepAliveTimeout = 120_000;
    const stop = drainHttpConnections(server);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const response = await inFlight;

    expect(response.statusCode).toBe(200);
    // every connection is gone (with the 120 s keep-alive, close() would wait that long)
    await closed;
    expect(server.listening).toBe(false);
    stop();
  });

  it('answers every request from then on with Connection: close', async () => {
    const stop = drainHttpConnections(server);
    const during = await fetchWith(agent, port);
    stop();
    const afterStop = await fetchWith(agent, port);

    expect(during.statusCode).toBe(200);
    expect(during.headers.connection).toBe('close');
    // stopping the drain leaves the server as it was
    expect(afterStop.headers.connection).toBe('keep-alive');
  });
});
