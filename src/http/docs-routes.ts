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

/**
 * What a browser finds at the service's root: what this is and where to go. Relative links, so the
 * page works behind a proxy that serves the service under a path.
 */
const LANDING_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex, nofollow">
  <title>club-contracts</title>
  <link rel="icon" href="assets/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="assets/family.css">
</head>
<body>
  <main>
    <h1>club-contracts</h1>
    <p>Monthly player contracts for youth basketball clubs: a club offers each player a contract, the
      family reads the terms and signs or declines through its private link, and every change is
      kept in a tamper-evident audit log.</p>
    <p>Families: open the link in the e-mail from your club. There is nothing to sign here.</p>
    <h2>For clubs and developers</h2>
    <ul>
      <li><a href="docs">The API</a> (<a href="openapi.json">OpenAPI document</a>): admin calls need a token from the club’s identity provider.</li>
      <li><a href="contract-machine">The contract’s states</a> and the transitions between them, drawn from the rules.</li>
      <li><a href="healthz">Health</a> and <a href="readyz">readiness</a>, for load balancers.</li>
    </ul>
  </main>
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

export const landingPage = operation({
  method: 'get',
  path: '/',
  operationId: 'getLandingPage',
  summary: 'What this service is, with links to its API documents, the state chart and the probes',
  answers: { 200: text('text/html', 'A short page for browsers.') },
  errors: GATED_ERRORS,
  handle(ctx) {
    ctx.type = 'html';
    ctx.body = LANDING_PAGE;
  },
});

export const DOCS_OPERATIONS: readonly Operation<DocsRouteDependencies>[] = [landingPage, openApiJson, docsPage];

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
