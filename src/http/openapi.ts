import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { DECLARED_OPERATIONS } from './declared-operations.ts';
import { documentOperation } from './operation-document.ts';

// GET /openapi.json, generated from the zod schemas that validate requests and type responses:
// the operations declared with operation.ts document themselves (operation-document.ts).

export function openApiDocument(): object {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An OIDC access token with the admin role and the club’s slug in the tenant claim.',
  });

  for (const operation of DECLARED_OPERATIONS) documentOperation(registry, operation);

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
