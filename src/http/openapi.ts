import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { json, text } from './answer-content.ts';
import { DECLARED_OPERATIONS } from './declared-operations.ts';
import { tokenPath } from '../family/api-routes.ts';
import { documentOperation } from './operation-document.ts';
import { errorBody } from './answers.ts';

// GET /openapi.json, generated from the zod schemas that validate requests and type responses:
// the operations declared with operation.ts document themselves (operation-document.ts).

const failure = (description: string) => json(errorBody, description);

export function openApiDocument(): object {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An OIDC access token with the admin role and the club’s slug in the tenant claim.',
  });

  for (const operation of DECLARED_OPERATIONS) documentOperation(registry, operation);

  // The receipt is a page of the page's router alone (family-page-routes.ts), written out here.
  registry.registerPath({
    tags: ['family'],
    security: [],
    method: 'get',
    path: '/contract/{token}/receipt',
    operationId: 'getContractReceipt',
    summary: 'The printable receipt of a signed contract (an HTML page; there is no JSON of it)',
    description:
      'Who signed, when, from which address, the fee, the teams, and the terms’ title, version and SHA-256. It keeps ' +
      'working after a tier change replaced the signed contract, read from that change’s audit row. Errors are pages ' +
      'when Accept prefers HTML.',
    request: { params: tokenPath },
    responses: {
      200: text('text/html', 'The receipt.'),
      503: failure(
        '`migrations_pending`: this instance’s database has not run every migration its code needs yet, as during a ' +
          'deployment; /readyz lists them. Retry shortly, or on another instance.',
      ),
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
