import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { pinoHttp } from 'pino-http';
import { requestLogLevel } from './request-log-level';

describe('requestLogLevel, as pino-http applies it', () => {
  const lines: {
    level: number;
    req: { method: string; url: string };
    res: { statusCode: number };
  }[] = [];
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
          lines.push(JSON.parse(line) as (typeof lines)[number]);
        }
        done();
      },
    });
    const log = pinoHttp({ logger: pino(destination), customLogLevel: requestLogLevel });
    server = createServer((request, response) => {
      log(request, response);
      response.statusCode = Number(new URL(request.url!, 'http://x').searchParams.get('status'));
      response.end('{}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => server.close());

  async function logged(method: string, path: string, status: number): Promise<number[]> {
    lines.length = 0;
    await (await fetch(`${base}${path}?status=${status}`, { method })).text();
    await new Promise((resolve) => setImmediate(resolve));
    return lines.map((line) => line.level);
  }

  const vote = '/api/articles/6f1c1a34-0f6d-4b5e-9a0c-2b0e5d6f7a81/votes/support';

  it('logs a 5xx as error, every other answer as info', async () => {
    expect(await logged('GET', vote, 503)).toEqual([50]);
    expect(await logged('POST', '/api/articles/x/comments', 500)).toEqual([50]);
    expect(await logged('PUT', '/api/comments/x/vote', 403)).toEqual([30]);
    expect(await logged('POST', '/api/articles/x/comments', 201)).toEqual([30]);
    expect(await logged('GET', '/api/articles/6f1c1a34-0f6d-4b5e-9a0c-2b0e5d6f7a81', 200)).toEqual([
      30,
    ]);
  });
});
