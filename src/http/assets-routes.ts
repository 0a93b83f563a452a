import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../errors.ts';
import { readQuery } from './request.ts';
import { noQuery } from './schemas.ts';

const require = createRequire(import.meta.url);
const views = (file: string) => new URL(`./views/${file}`, import.meta.url);

/**
 * Everything the service's pages load, served by the service itself: pages make no third-party
 * requests. Swagger UI comes from its npm package.
 */
const ASSETS: Readonly<Record<string, { readonly type: string; readonly source: URL | string }>> = {
  'family.css': { type: 'text/css', source: views('family.css') },
  'favicon.svg': { type: 'image/svg+xml', source: views('favicon.svg') },
  'chart-page.js': { type: 'text/javascript', source: views('chart-page.js') },
  'docs-page.js': { type: 'text/javascript', source: views('docs-page.js') },
  'swagger-ui.css': { type: 'text/css', source: require.resolve('swagger-ui-dist/swagger-ui.css') },
  'swagger-ui-bundle.js': { type: 'text/javascript', source: require.resolve('swagger-ui-dist/swagger-ui-bundle.js') },
};

export function assetsRoutes(): Router {
  const router = new Router();
  const loaded = new Map<string, Buffer>();

  const serve = (ctx: Context, file: string) => {
    readQuery(ctx, noQuery);
    const asset = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (asset === undefined) throw new AppError('not_found', { message: 'No such asset.' });
    if (!loaded.has(file)) loaded.set(file, readFileSync(asset.source));
    ctx.type = asset.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = loaded.get(file);
  };

  router.get('/assets/:file', (ctx) => serve(ctx, (ctx.params as { file: string }).file));
  // Where a browser looks for the icon of a page that names none (JSON opened in a tab): without
  // it, a 404 in the console of every such page.
  router.get('/favicon.ico', (ctx) => serve(ctx, 'favicon.svg'));

  return router;
}
