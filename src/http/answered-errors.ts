import type { Context, Middleware } from 'koa';
import type { ErrorCode } from '../errors.ts';

/** An error answer, by the route that gave it (its Koa pattern, as the metrics name it). */
export interface AnsweredError {
  readonly method: string;
  /** `/admin/players/:id`; null when no route took the request (404 `not_found`, the schema gate). */
  readonly route: string | null;
  readonly status: number;
  readonly code: ErrorCode;
}

/** Set by whatever turns a failure into an answer (a JSON body or a page), for reportAnsweredErrors. */
export function noteAnsweredError(ctx: Context, code: ErrorCode): void {
  ctx.state.answeredError = code;
}

/**
 * Tells `report` of every error answer once it is made: tests check that each code was declared
 * by its operation (test/helpers/declared-errors.ts). Not mounted in production.
 */
export function reportAnsweredErrors(report: (answer: AnsweredError) => void): Middleware {
  return async (ctx, next) => {
    await next();
    const code: ErrorCode | undefined = ctx.state.answeredError;
    if (code === undefined) return;
    const route = typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : null;
    report({ method: ctx.method, route, status: ctx.status, code });
  };
}
