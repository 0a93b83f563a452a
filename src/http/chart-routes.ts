import Router from '@koa/router';
import { Eta } from 'eta';
import { chartDefinition, chartSvg } from '../chart/contract-chart.ts';
import { VIEWS } from './family-pages.ts';
import { readQuery } from './request.ts';
import { noQuery } from './schemas.ts';

/** The chart page runs its own script (the live counts), which the family pages' policy forbids. */
const CHART_PAGE_POLICY =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/**
 * docs/PRODUCT.md, "Operations": the state chart, drawn from the machine. Rendered once, on first
 * use.
 */
export function chartRoutes(): Router {
  const router = new Router();
  const eta = new Eta({ views: VIEWS, autoEscape: true, cache: true });
  let plain: Promise<string> | undefined;
  let page: Promise<string> | undefined;

  router.get('/contract-machine.svg', async (ctx) => {
    readQuery(ctx, noQuery);
    plain ??= chartSvg({ countSlots: false });
    ctx.type = 'image/svg+xml';
    ctx.body = await plain;
  });

  router.get('/contract-machine.json', (ctx) => {
    readQuery(ctx, noQuery);
    ctx.body = chartDefinition();
  });

  router.get('/contract-machine', async (ctx) => {
    readQuery(ctx, noQuery);
    page ??= chartSvg({ countSlots: true }).then((svg) =>
      // Inline, so the page's script can reach the states; our own Graphviz output, not user data.
      eta.render('./chart', { assetsPath: 'assets', svg: svg.slice(svg.indexOf('<svg')) }),
    );
    ctx.set('Content-Security-Policy', CHART_PAGE_POLICY);
    ctx.type = 'html';
    ctx.body = await page;
  });

  return router;
}
