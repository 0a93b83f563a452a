import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedDelivery {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The body parsed: `{id, type, timestamp, data}`. */
  readonly event: { id: string; type: string; timestamp: string; data: Record<string, unknown> };
}

/** How the receiver answers one request: a status, or never (until `release()`). */
export type ReceiverAnswer = number | 'hang';

export interface WebhookReceiver {
  /** `http://127.0.0.1:PORT/hook`. */
  readonly url: string;
  readonly received: ReceivedDelivery[];
  /** The answers to the next requests, in order; once spent, 204. */
  answerWith(...answers: ReceiverAnswer[]): void;
  /** Answers every request left hanging, with 204. */
  release(): void;
  close(): Promise<void>;
}

/** A real HTTP server on loopback that records every delivery it gets and answers as told. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedDelivery[] = [];
  const answers: ReceiverAnswer[] = [];
  const hanging = new Set<() => void>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: request.headers, body, event: JSON.parse(body) });
      const answer = answers.shift() ?? 204;
      if (answer === 'hang') {
        hanging.add(() => response.writeHead(204).end());
        return;
      }
      response.writeHead(answer).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const release = () => {
    for (const answer of hanging) answer();
    hanging.clear();
  };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    answerWith: (...next) => answers.push(...next),
    release,
    close: async () => {
      release();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
