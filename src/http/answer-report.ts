import type { Context, Middleware } from 'koa';
import type { ErrorCode } from '../errors.ts';

/** An answer, by the route that gave it (its Koa pattern, as the metrics name it). */
export interface Answer {
  readonly method: string;
  /** `/admin/players/:id`; null when no route took the request (404 `not_found`, the schema gate). */
  readonly route: string | null;
  readonly status: number;
  /** The error's code; null for an answer that is not an error. */
  readonly code: ErrorCode | null;
  /** The JSON body of an answer that is not an error, as the handler set it; undefined for any other. */
  readonly body: unknown;
}

/** Set by whatever turns a failure into an answer (a JSON body or a page), for reportAnswers. */
export function noteAnsweredError(ctx: Context, code: ErrorCode): void {
  ctx.state.answeredError = code;
}

/**
 * Tells `report` of every answer once it is made: tests check each against its operation's
 * declaration, the error codes it may answer and the shape of each answer
 * (test/helpers/declared-answers.ts). Not mounted in production.
 */
export function reportAnswers(report: (answer: Answer) => void): Middleware {
  return async (ctx, next) => {
    await next();
    const code: ErrorCode | undefined = ctx.state.answeredError;
    const route = typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : null;
    const json = code === undefined && ctx.response.is('json') !== false && typeof ctx.body === 'object' && ctx.body !== null;
    report({ method: ctx.method, route, status: ctx.status, code: code ?? null, body: json ? ctx.body : undefined });
  };
}
