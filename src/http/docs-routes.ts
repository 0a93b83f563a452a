import Router from '@koa/router';
import { json, text } from './answer-content.ts';
import { GATED_ERRORS, openOperationGroup } from './open-operation.ts';
import { z } from './openapi-zod.ts';
import { type Operation, registerOperations } from './operation.ts';

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

export interface DocsRouteDependencies {
  /** This service's OpenAPI document (openapi.ts). */
  readonly document: () => object;
}

const operation = openOperationGroup<DocsRouteDependencies>('operations');

export const openApiJson = operation({
  method: 'get',
  path: '/openapi.json',
  operationId: 'getOpenApiDocument',
  summary: 'This document',
  answers: { 200: json(z.object({}).passthrough(), 'OpenAPI 3.1.') },
  errors: GATED_ERRORS,
  handle(ctx, _input, { document }) {
    ctx.body = document();
  },
});

export const docsPage = operation({
  method: 'get',
  path: '/docs',
  operationId: 'getApiDocs',
  summary: 'This document, rendered',
  answers: { 200: text('text/html', 'Swagger UI.') },
  errors: GATED_ERRORS,
  handle(ctx) {
    ctx.set('Content-Security-Policy', DOCS_PAGE_POLICY);
    ctx.type = 'html';
    ctx.body = DOCS_PAGE;
  },
});

export const DOCS_OPERATIONS: readonly Operation<DocsRouteDependencies>[] = [openApiJson, docsPage];

/** The document is built on first use. */
export function docsRoutes(buildDocument: () => object): Router {
  let document: object | undefined;
  return registerOperations(new Router(), DOCS_OPERATIONS, {
    document: () => {
      document ??= buildDocument();
      return document;
    },
  });
}
