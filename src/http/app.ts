import Router from '@koa/router';
import Koa from 'koa';
import type { JSONWebKeySet } from 'jose';
import type { Logger } from 'pino';
import type { DatabasePool } from 'slonik';
import { AppError, toAppError } from '../errors.ts';
import type { AdminTokenVerifier } from '../identity/verify-admin-token.ts';
import { adminRoutes } from './admin-routes.ts';

export interface AppDependencies {
  readonly pool: DatabasePool;
  readonly logger: Logger;
  readonly verifyAdminToken: AdminTokenVerifier;
  readonly contractBaseUrl: string;
  /** Published in local identity mode, so the local key pair looks like any issuer's. */
  readonly localJwks: JSONWebKeySet | null;
}

export function createApp(deps: AppDependencies): Koa {
  const app = new Koa();
  app.silent = true; // errors are answered and logged below, not printed by Koa

  app.use(async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError('not_found');
    } catch (thrown) {
      const error = toAppError(thrown);
      if (error.status >= 500) deps.logger.error({ err: thrown, code: error.code }, 'request failed');
      ctx.status = error.status;
      if (error.status === 401) ctx.set('WWW-Authenticate', 'Bearer');
      ctx.body = {
        error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) },
      };
    }
  });

  const root = new Router();
  if (deps.localJwks !== null) {
    const jwks = deps.localJwks;
    root.get('/.well-known/jwks.json', (ctx) => {
      ctx.body = jwks;
    });
  }

  for (const router of [root, adminRoutes(deps)]) {
    app.use(router.routes());
    app.use(router.allowedMethods({ throw: true, methodNotAllowed: () => new AppError('method_not_allowed') }));
  }
  return app;
}
