import { randomUUID } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import { AppError, type ErrorCode, toAppError } from '../errors.ts';
import { noteAnsweredError } from './answer-report.ts';
import type { Metrics } from '../operations/metrics.ts';
import type { SchemaGate } from '../operations/schema-gate.ts';

// The only middleware: what every request needs whatever its route. Route logic lives in handlers.

const INCOMING_ID = /^[\w.:-]{1,128}$/;

/** A request id (the caller's X-Request-Id if it is sane), echoed back and named by every log line. */
export const requestScope: Middleware = async (ctx, next) => {
  const incoming = ctx.get('x-request-id');
  ctx.set('X-Request-Id', INCOMING_ID.test(incoming) ? incoming : randomUUID());
  await next();
};

/**
 * The id a log line about this request carries. Passed explicitly rather than through
 * AsyncLocalStorage, whose promise hooks (Node 20) slowed every await of every request.
 */
export const requestIdOf = (ctx: Context): string => ctx.response.get('X-Request-Id');

/**
 * Times each request into the metrics and writes one access-log line. Both name the route's
 * pattern (/contract/:token), never the path: a family's path is their credential.
 */
export function observeRequests(metrics: Metrics, logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : 'unmatched';
      metrics.observeRequest({ method: ctx.method, route, status: ctx.status }, seconds);
      logger.info(
        {
          request_id: requestIdOf(ctx),
          method: ctx.method,
          route,
          status: ctx.status,
          duration_ms: Math.round(seconds * 1e4) / 10,
        },
        'request',
      );
    }
  };
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  // Family pages carry their token in the URL: never send it on as a referrer, never cache it.
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  // img-src for the favicon; nothing else the pages show is an image (the terms' Markdown makes none).
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; img-src 'self'",
};

/**
 * 5xx answers that are not faults: a method no route takes is the client's doing, and a deploy's
 * pending migrations are expected and shown by /readyz (a line per request would bury the rest).
 */
const NOT_LOGGED_AS_ERRORS = new Set<ErrorCode>(['not_implemented', 'migrations_pending']);

/**
 * Every failure that reaches here becomes the JSON error body; unexpected ones are logged, and the
 * client never sees their details.
 */
export function answerErrors(logger: Logger): Middleware {
  return async (ctx, next) => {
    ctx.set(SECURITY_HEADERS);
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError('not_found');
    } catch (thrown) {
      const error = toAppError(thrown);
      if (error.status >= 500 && !NOT_LOGGED_AS_ERRORS.has(error.code))
        logger.error({ request_id: requestIdOf(ctx), err: thrown, code: error.code }, 'request failed');
      ctx.status = error.status;
      noteAnsweredError(ctx, error.code);
      if (error.status === 401) ctx.set('WWW-Authenticate', 'Bearer');
      ctx.body = {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details === undefined ? {} : { details: error.details }),
        },
      };
    }
  };
}

/** The methods a route could take; the service's routes use some of them (RFC 9110, 9.3). */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Requests no route answered because of their method, once every router has passed them on: 405
 * `method_not_allowed` on a path that takes other methods, 501 `not_implemented` for a method no
 * route could take (TRACE, PROPFIND, …) on any path, and OPTIONS answered. Each names the path's
 * methods in `Allow` when it has any.
 */
export const answerWrongMethods: Middleware = async (ctx, next) => {
  await next();
  if (ctx.status !== 404 || ctx.body !== undefined) return;
  const matched = (ctx as { matched?: ReadonlyArray<{ readonly methods: readonly string[] }> }).matched ?? [];
  const allowed = [...new Set(matched.flatMap((layer) => layer.methods))];
  if (allowed.length > 0) ctx.set('Allow', allowed.join(', '));
  if (!KNOWN_METHODS.has(ctx.method)) throw new AppError('not_implemented');
  if (allowed.length === 0) return;
  if (ctx.method === 'OPTIONS') {
    ctx.status = 204;
    return;
  }
  throw new AppError('method_not_allowed');
};

/** A load balancer's probes, which answer whatever the schema: /readyz says why it is not ready. */
const PROBES = new Set(['/healthz', '/readyz']);

/**
 * While the schema gate is closed (src/operations/schema-gate.ts), every other request answers 503
 * `migrations_pending` rather than whatever code would make of a schema it does not know.
 */
export function requireCurrentSchema(gate: SchemaGate): Middleware {
  return async (ctx, next) => {
    if (!gate.isOpen() && !PROBES.has(ctx.path)) throw new AppError('migrations_pending');
    await next();
  };
}
