import Router from '@koa/router';
import type { Metrics } from './metrics.ts';
import type { Readiness } from './readiness.ts';
import { json, text } from '../http/answer-content.ts';
import { GATED_ERRORS, PROBE_ERRORS, openOperationGroup } from '../http/open-operation.ts';
import { type Operation, registerOperations } from '../http/operation.ts';
import { healthResponse, readinessResponse } from './schemas.ts';

export interface OperationsRouteDependencies {
  readonly metrics: Metrics;
  readonly checkReadiness: () => Promise<Readiness>;
}

/** docs/PRODUCT.md, "Operations": no auth, no tenant data. */
const operation = openOperationGroup<OperationsRouteDependencies>('operations');

// The process is up and serving; says nothing of the database (that is /readyz).
export const health = operation({
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  summary: 'The process is up',
  answers: { 200: json(healthResponse, 'Up.') },
  errors: PROBE_ERRORS,
  handle(ctx) {
    ctx.body = { status: 'ok' };
  },
});

export const readiness = operation({
  method: 'get',
  path: '/readyz',
  operationId: 'getReadiness',
  summary: 'Ready: database reachable, migrations current, not shutting down',
  answers: { 200: json(readinessResponse, 'Ready.'), 503: json(readinessResponse, 'Not ready.') },
  errors: PROBE_ERRORS,
  async handle(ctx, _input, { checkReadiness }) {
    const state = await checkReadiness();
    ctx.status = state.ready ? 200 : 503;
    ctx.body = { status: state.ready ? 'ready' : 'not_ready', ...state };
  },
});

export const metricsExposition = operation({
  method: 'get',
  path: '/metrics',
  operationId: 'getMetrics',
  summary: 'Prometheus metrics',
  answers: { 200: text('text/plain', 'Prometheus text exposition format.') },
  errors: GATED_ERRORS,
  async handle(ctx, _input, { metrics }) {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  },
});

export const MONITORING_OPERATIONS: readonly Operation<OperationsRouteDependencies>[] = [health, readiness, metricsExposition];

export const operationsRoutes = (deps: OperationsRouteDependencies): Router =>
  registerOperations(new Router(), MONITORING_OPERATIONS, deps);
