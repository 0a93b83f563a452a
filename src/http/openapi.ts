import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from './openapi-zod.ts';
import * as responses from './responses.ts';
import { DECLARED_OPERATIONS } from './declared-operations.ts';
import { documentOperation } from './operation-document.ts';

// GET /openapi.json, generated from the zod schemas that validate requests and type responses.
// The operations declared with operation.ts document themselves (operation-document.ts); the
// routes below, not yet declared that way, are written out here.

type Responses = RouteConfig['responses'];
/**
 * A route written out for open(): `operationId` is required, since generated clients name their
 * methods after it (`@redocly/cli lint` checks it is there and unique: test/openapi-lint.test.ts).
 */
type WrittenOut = Omit<RouteConfig, 'security' | 'tags' | 'operationId'> & { operationId: string };

/** A request body is required unless the route says otherwise (OpenAPI's default is optional). */
function withRequiredBody(route: WrittenOut): WrittenOut {
  const body = route.request?.body;
  return body === undefined ? route : { ...route, request: { ...route.request, body: { required: true, ...body } } };
}

const json = (schema: z.ZodTypeAny, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const failure = (description: string) => json(responses.errorBody, description);
const text = (type: string, description: string) => ({ description, content: { [type]: { schema: z.string() } } });

/**
 * Every route but /healthz and /readyz answers this while the instance's database lacks a migration
 * its code needs (src/schema-gate.ts); a route's own 503 names it among its codes.
 */
const MIGRATIONS_PENDING =
  '`migrations_pending`: this instance’s database has not run every migration its code needs yet, as during a ' +
  'deployment; /readyz lists them. Retry shortly, or on another instance.';
const GATED: Responses = { 503: failure(MIGRATIONS_PENDING) };

/**
 * What any route can answer, before the route is known: Node's HTTP parser refuses the request
 * (src/http/client-errors.ts).
 */
const HTTP_FAILURES: Responses = {
  400: failure('`malformed_request`: the request is not valid HTTP.'),
  431: failure('`headers_too_large`: the request headers are over 16 KB.'),
};

/** A route that takes no query parameters refuses any (schemas.ts noQuery). */
const QUERY_FAILURES: Responses = {
  422: failure('`validation_failed`: the route takes no query parameters; the message names the ones sent.'),
};

/** The receipt's link, read as the family link's operations read it (family/family-operation.ts). */
const token = z.object({
  token: z.string().describe('The family’s contract token (43 characters).'),
});

export function openApiDocument(): object {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An OIDC access token with the admin role and the club’s slug in the tenant claim.',
  });
  // `security: []`: no token, said outright (without it a client would assume one is needed).
  const open = (tag: string, route: WrittenOut) =>
    registry.registerPath({ ...withRequiredBody(route), tags: [tag], security: [] });

  for (const operation of DECLARED_OPERATIONS) documentOperation(registry, operation);

  open('family', {
    method: 'get',
    path: '/contract/{token}/receipt',
    operationId: 'getContractReceipt',
    summary: 'The printable receipt of a signed contract (an HTML page; there is no JSON of it)',
    description:
      'Who signed, when, from which address, the fee, the teams, and the terms’ title, version and SHA-256. It keeps ' +
      'working after a tier change replaced the signed contract, read from that change’s audit row. Errors are pages ' +
      'when Accept prefers HTML.',
    request: { params: token },
    responses: {
      200: text('text/html', 'The receipt.'),
      ...GATED,
      404: failure('`contract_not_found`: no contract has this link; `contract_not_signed`: its contract is not signed.'),
      410: failure(
        '`contract_superseded`: a newer offer replaced this link before anything was signed through it. ' +
          '`contract_withdrawn`: the club withdrew this offer. `contract_expired`: this offer expired unsigned.',
      ),
      429: failure(
        '`too_many_requests`: the link opens no contract and this client has tried too many such links (404 or 410) lately; retry after `Retry-After` seconds. A live link is never refused.',
      ),
    },
  });

  open('operations', {
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    summary: 'The process is up',
    responses: { 200: json(responses.health, 'Up.'), ...HTTP_FAILURES, ...QUERY_FAILURES },
  });
  open('operations', {
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    summary: 'Ready: database reachable, migrations current, not shutting down',
    responses: {
      200: json(responses.readiness, 'Ready.'),
      ...HTTP_FAILURES,
      ...QUERY_FAILURES,
      503: json(responses.readiness, 'Not ready.'),
    },
  });
  open('operations', {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    responses: { 200: text('text/plain', 'Prometheus text exposition format.'), ...HTTP_FAILURES, ...QUERY_FAILURES, ...GATED },
  });
  open('operations', {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    responses: { 200: json(z.object({}).passthrough(), 'OpenAPI 3.1.'), ...HTTP_FAILURES, ...QUERY_FAILURES, ...GATED },
  });
  open('operations', {
    method: 'get',
    path: '/docs',
    operationId: 'getApiDocs',
    summary: 'This document, rendered',
    responses: { 200: text('text/html', 'Swagger UI.'), ...HTTP_FAILURES, ...QUERY_FAILURES, ...GATED },
  });
  open('operations', {
    method: 'get',
    path: '/.well-known/jwks.json',
    operationId: 'getJwks',
    summary: 'The local key pair’s public keys (local identity mode only)',
    responses: {
      200: json(z.object({ keys: z.array(z.object({}).passthrough()).describe('The public keys, as JWKs.') }), 'A JWKS.'),
      ...HTTP_FAILURES,
      ...QUERY_FAILURES,
      ...GATED,
    },
  });
  open('operations', {
    method: 'get',
    path: '/assets/{file}',
    operationId: 'getAsset',
    summary: 'Stylesheets and scripts of the service’s own pages',
    request: { params: z.object({ file: z.string().describe('The file’s name.') }) },
    responses: { 200: text('text/plain', 'The file.'), 404: failure('`not_found`.'), ...QUERY_FAILURES, ...GATED },
  });
  open('operations', {
    method: 'get',
    path: '/favicon.ico',
    operationId: 'getFavicon',
    summary: 'The service’s icon (SVG), where browsers look for it on pages that name none',
    responses: { 200: text('image/svg+xml', 'The icon.'), ...HTTP_FAILURES, ...QUERY_FAILURES, ...GATED },
  });
  open('chart', {
    method: 'get',
    path: '/contract-machine',
    operationId: 'getContractMachinePage',
    summary: 'The state chart page; with an admin token it shows the club’s counts',
    responses: { 200: text('text/html', 'The page.'), ...HTTP_FAILURES, ...QUERY_FAILURES, ...GATED },
  });
  open('chart', {
    method: 'get',
    path: '/contract-machine.svg',
    operationId: 'getContractMachineSvg',
    summary: 'The state chart, drawn from the machine',
    responses: { 200: text('image/svg+xml', 'SVG.'), ...HTTP_FAILURES, ...QUERY_FAILURES, ...GATED },
  });
  open('chart', {
    method: 'get',
    path: '/contract-machine.json',
    operationId: 'getContractMachineJson',
    summary: 'The machine definition, for the Stately visualizer',
    responses: {
      200: json(z.object({}).passthrough(), 'The xstate machine config.'),
      ...HTTP_FAILURES,
      ...QUERY_FAILURES,
      ...GATED,
    },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'club-contracts',
      version: '1',
      description:
        'Monthly contracts for youth basketball clubs. Every error answers `{"error": {"code", "message", "details"?}}`.',
      // package.json is private with no license field: the service is not published under one.
      license: { name: 'Proprietary: all rights reserved', identifier: 'LicenseRef-Proprietary' },
    },
    // The service does not know the address it is reached at (a proxy may stand in front): paths
    // are relative to where this document is served, whose own path is /openapi.json.
    servers: [{ url: '/', description: 'This service, wherever this document was fetched from.' }],
  });
}
