import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface ReceivedHook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A local HTTP endpoint for webhook deliveries: answers each request with the next status of
 * `answers` (the last one repeats) and keeps what it received, in order.
 */
export interface WebhookReceiver {
  url: string;
  received: ReceivedHook[];
  answers: number[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(answers: number[] = [200]): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const receiver = { received, answers } as WebhookReceiver;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const status =
        receiver.answers.length > 1 ? receiver.answers.shift()! : (receiver.answers[0] ?? 200);
      if (status >= 300 && status < 400) res.setHeader('Location', '/redirected');
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  receiver.url = `http://127.0.0.1:${port}`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}
