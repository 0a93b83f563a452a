import Router from '@koa/router';
import { Eta } from 'eta';
import { chartDefinition, chartSvg } from '../chart/contract-chart.ts';
import { VIEWS } from '../family/pages.ts';
import { json, text } from './answer-content.ts';
import { GATED_ERRORS, openOperationGroup } from './open-operation.ts';
import { z } from './openapi-zod.ts';
import { type Operation, registerOperations } from './operation.ts';

/** The chart page runs its own script (the live counts), which the family pages' policy forbids. */
const CHART_PAGE_POLICY =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export interface ChartRouteDependencies {
  /** The chart alone. */
  readonly image: () => Promise<string>;
  /** The page: the chart inlined, with slots its script fills with the club's counts. */
  readonly page: () => Promise<string>;
}

/** docs/PRODUCT.md, "Operations": the state chart, drawn from the machine. */
const operation = openOperationGroup<ChartRouteDependencies>('chart');

export const chartPage = operation({
  method: 'get',
  path: '/contract-machine',
  operationId: 'getContractMachinePage',
  summary: 'The state chart page; with an admin token it shows the club’s counts',
  answers: { 200: text('text/html', 'The page.') },
  errors: GATED_ERRORS,
  async handle(ctx, _input, { page }) {
    ctx.set('Content-Security-Policy', CHART_PAGE_POLICY);
    ctx.type = 'html';
    ctx.body = await page();
  },
});

export const chartImage = operation({
  method: 'get',
  path: '/contract-machine.svg',
  operationId: 'getContractMachineSvg',
  summary: 'The state chart, drawn from the machine',
  answers: { 200: text('image/svg+xml', 'SVG.') },
  errors: GATED_ERRORS,
  async handle(ctx, _input, { image }) {
    ctx.type = 'image/svg+xml';
    ctx.body = await image();
  },
});

export const machineDefinition = operation({
  method: 'get',
  path: '/contract-machine.json',
  operationId: 'getContractMachineJson',
  summary: 'The machine definition, for the Stately visualizer',
  answers: { 200: json(z.object({}).passthrough(), 'The xstate machine config.') },
  errors: GATED_ERRORS,
  handle(ctx) {
    ctx.body = chartDefinition();
  },
});

export const CHART_OPERATIONS: readonly Operation<ChartRouteDependencies>[] = [chartPage, chartImage, machineDefinition];

/** Each drawing rendered once, on first use. */
export function chartRoutes(): Router {
  const eta = new Eta({ views: VIEWS, autoEscape: true, cache: true });
  let image: Promise<string> | undefined;
  let page: Promise<string> | undefined;
  return registerOperations(new Router(), CHART_OPERATIONS, {
    image: () => {
      image ??= chartSvg({ countSlots: false });
      return image;
    },
    page: () => {
      page ??= chartSvg({ countSlots: true }).then((drawn) =>
        // Inline, so the page's script can reach the states; our own Graphviz output, not user data.
        eta.render('./chart', { assetsPath: 'assets', svg: drawn.slice(drawn.indexOf('<svg')) }),
      );
      return page;
    },
  });
}
