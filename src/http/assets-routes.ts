import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Router from '@koa/router';
import { AppError } from '../errors.ts';

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

  router.get('/assets/:file', (ctx) => {
    const { file } = ctx.params as { file: string };
    const asset = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (asset === undefined) throw new AppError('not_found', { message: 'No such asset.' });
    if (!loaded.has(file)) loaded.set(file, readFileSync(asset.source));
    ctx.type = asset.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = loaded.get(file);
  });

  return router;
}
