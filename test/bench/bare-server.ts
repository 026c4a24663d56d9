/**
 * The bench's baseline: a bare socket.io server (the same socket.io as Townhall, default
 * options) that does the least a live-update server can. `node test/bench/run.js
 * test/bench/bare-server.ts` listens on an ephemeral port of 127.0.0.1 and prints
 * `listening <port>`.
 *
 * - `subscribe` {articleId} joins room `article:<id>` and acks like Townhall (`ok`, `seq`, …);
 * - `POST /broadcast` {event, payload}: one HTTP request in → one emit to the payload's article
 *   room, as Townhall turns a vote or a comment into a room emit; `tally` payloads get the next
 *   `version` and comment payloads the next `seq`, in arrival order;
 * - `GET /stats`: {rss, heapUsed, heapTotal, sockets, broadcasts}.
 *
 * `BENCH_BARE_ASYNC_CONTEXTS=N` (default 0) handles each HTTP request inside N nested
 * AsyncLocalStorage contexts, as Townhall's request pipeline does (nestjs-pino's logger context,
 * MikroORM's request, transaction and raw-query contexts). Node 20 implements them with an
 * async-hook `init` callback on every async resource (each socket write, each timer, each
 * promise), so this measures what that costs the same fan-out (`npm run bench -- fanout`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Server } from 'socket.io';

const MAX_BODY_BYTES = 64 * 1024;
const room = (articleId: string): string => `article:${articleId}`;

const http = createServer();
const io = new Server(http, { serveClient: false });
let version = 0;
let seq = 0;
let broadcasts = 0;
const contextCount = Number(process.env.BENCH_BARE_ASYNC_CONTEXTS ?? 0);
if (!Number.isInteger(contextCount) || contextCount < 0 || contextCount > 16) {
  console.error('BENCH_BARE_ASYNC_CONTEXTS must be an integer from 0 to 16');
  process.exit(2);
}
const contexts = Array.from({ length: contextCount }, () => new AsyncLocalStorage<object>());

io.on('connection', (socket) => {
  socket.on('subscribe', (body: { articleId?: unknown }, ack?: (answer: unknown) => void) => {
    if (typeof body?.articleId !== 'string' || typeof ack !== 'function') return;
    void socket.join(room(body.articleId));
    ack({
      ok: true,
      seq,
      tallies: { interesting: { up: 0, down: 0 }, support: { up: 0, down: 0 } },
      commentCount: seq,
      readers: io.engine.clientsCount,
      missed: [],
    });
  });
});

// socket.io answers /socket.io/ itself and hands every other request to this listener
http.on('request', (request: IncomingMessage, response: ServerResponse) => {
  if (request.url?.startsWith('/socket.io')) return;
  const handle = contexts.reduce(
    (inner, context) => () => context.run({ request }, inner),
    () => handleRequest(request, response),
  );
  handle();
});

function handleRequest(request: IncomingMessage, response: ServerResponse): void {
  if (request.method === 'GET' && request.url === '/stats') {
    const memory = process.memoryUsage();
    reply(response, 200, {
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      heapTotal: memory.heapTotal,
      sockets: io.engine.clientsCount,
      broadcasts,
    });
    return;
  }
  if (request.method === 'POST' && request.url === '/broadcast') {
    readJson(request).then(
      (body) => {
        const { event, payload } = body as { event: string; payload: Record<string, unknown> };
        if (event === 'tally') payload.version = ++version;
        else if (event.startsWith('comment.')) payload.seq = ++seq;
        io.to(room(String(payload.articleId))).emit(event, payload);
        broadcasts++;
        reply(response, 200, { ok: true });
      },
      (error: unknown) => reply(response, 400, { error: (error as Error).message }),
    );
    return;
  }
  reply(response, 404, { error: 'not found' });
}

function readJson(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) request.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    request.on('error', reject);
    request.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reject(error as Error);
      }
    });
  });
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

// the same accept backlog as Townhall's LISTEN_BACKLOG (src/app.setup.ts), so connect storms compare
http.listen(0, '127.0.0.1', 4096, () => {
  const address = http.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void io.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 3_000).unref();
  });
}
