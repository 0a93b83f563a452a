import { type Server, createServer } from 'node:http';
import type Koa from 'koa';
import type { HttpLimits } from '../config.ts';
import { answerUnparsableRequests } from './client-errors.ts';

/**
 * The HTTP server the app runs on (src/main.ts, and the tests' servers, so they run what runs).
 * Node's own bounds on a request's arrival are minutes (60 s for the headers, 300 s for the whole
 * request), so a client sending a byte every few seconds held a connection for five minutes:
 * docs/CONFIGURATION.md, "Configuration", says why the bounds are what they are. A request past
 * either is answered 408 `request_timeout` and its connection closed.
 */
export function createHttpServer(app: Koa, limits: HttpLimits): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Node looks for requests past their time every 30 s by default, which would let one run that
      // much longer; a look every second is a loop over the open connections.
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs / 4),
    },
    app.callback(),
  );
  answerUnparsableRequests(server);
  return server;
}
