import Router from '@koa/router';
import type { Metrics } from '../metrics.ts';
import type { Readiness } from '../readiness.ts';
import { readQuery } from './request.ts';
import { noQuery } from './schemas.ts';

export interface OperationsRouteDependencies {
  readonly metrics: Metrics;
  readonly checkReadiness: () => Promise<Readiness>;
}

/** docs/PRODUCT.md, "Operations": no auth, no tenant data. */
export function operationsRoutes({ metrics, checkReadiness }: OperationsRouteDependencies): Router {
  const router = new Router();

  // The process is up and serving; says nothing of the database (that is /readyz).
  router.get('/healthz', (ctx) => {
    readQuery(ctx, noQuery);
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', async (ctx) => {
    readQuery(ctx, noQuery);
    const readiness = await checkReadiness();
    ctx.status = readiness.ready ? 200 : 503;
    ctx.body = { status: readiness.ready ? 'ready' : 'not_ready', ...readiness };
  });

  router.get('/metrics', async (ctx) => {
    readQuery(ctx, noQuery);
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });

  return router;
}
