import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../errors.ts';
import { text } from './answer-content.ts';
import { GATED_ERRORS, openOperationGroup } from './open-operation.ts';
import { z } from './openapi-zod.ts';
import { type Operation, registerOperations } from './operation.ts';

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

export interface AssetsRouteDependencies {
  /** Answers with the file, read once. */
  readonly serve: (ctx: Context, file: string) => void;
}

const operation = openOperationGroup<AssetsRouteDependencies>('operations');

export const asset = operation({
  method: 'get',
  path: '/assets/{file}',
  operationId: 'getAsset',
  summary: 'Stylesheets and scripts of the service’s own pages',
  params: z.object({ file: z.string().describe('The file’s name.') }),
  answers: { 200: text('text/plain', 'The file.') },
  errors: ['not_found', 'validation_failed', 'migrations_pending'],
  handle: (ctx, { params: { file } }, { serve }) => serve(ctx, file),
});

// Where a browser looks for the icon of a page that names none (JSON opened in a tab): without
// it, a 404 in the console of every such page.
export const favicon = operation({
  method: 'get',
  path: '/favicon.ico',
  operationId: 'getFavicon',
  summary: 'The service’s icon (SVG), where browsers look for it on pages that name none',
  answers: { 200: text('image/svg+xml', 'The icon.') },
  errors: GATED_ERRORS,
  handle: (ctx, _input, { serve }) => serve(ctx, 'favicon.svg'),
});

export const ASSET_OPERATIONS: readonly Operation<AssetsRouteDependencies>[] = [asset, favicon];

export function assetsRoutes(): Router {
  const loaded = new Map<string, Buffer>();
  return registerOperations(new Router(), ASSET_OPERATIONS, {
    serve(ctx, file) {
      const found = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
      if (found === undefined) throw new AppError('not_found', { message: 'No such asset.' });
      if (!loaded.has(file)) loaded.set(file, readFileSync(found.source));
      ctx.type = found.type;
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.body = loaded.get(file);
    },
  });
}
