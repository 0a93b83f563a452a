import Router from '@koa/router';
import { openApiDocument } from './openapi.ts';
import { readQuery } from './request.ts';
import { noQuery } from './schemas.ts';

/** Swagger UI, served from its npm package by /assets: no third-party requests. */
const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>club-contracts API</title>
  <link rel="icon" href="assets/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="assets/swagger-ui.css">
  <script src="assets/swagger-ui-bundle.js" defer></script>
  <script src="assets/docs-page.js" defer></script>
</head>
<body>
  <main id="docs"></main>
</body>
</html>
`;

/** Swagger UI styles elements inline and draws icons from data: URLs. */
const DOCS_PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'";

export function docsRoutes(): Router {
  const router = new Router();
  let document: object | undefined;

  router.get('/openapi.json', (ctx) => {
    readQuery(ctx, noQuery);
    document ??= openApiDocument();
    ctx.body = document;
  });

  router.get('/docs', (ctx) => {
    readQuery(ctx, noQuery);
    ctx.set('Content-Security-Policy', DOCS_PAGE_POLICY);
    ctx.type = 'html';
    ctx.body = DOCS_PAGE;
  });

  return router;
}
