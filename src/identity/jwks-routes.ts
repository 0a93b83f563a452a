import Router from '@koa/router';
import type { LocalSigningKey } from './local-signing-key.ts';
import { json } from '../http/answer-content.ts';
import { GATED_ERRORS, openOperationGroup } from '../http/open-operation.ts';
import { z } from '../http/openapi-zod.ts';
import { registerOperations } from '../http/operation.ts';

export interface JwksRouteDependencies {
  readonly jwks: { readonly keys: readonly object[] };
}

const operation = openOperationGroup<JwksRouteDependencies>('operations');

/** docs/PRODUCT.md, "Identity": what a program checks the local key pair's tokens with. */
export const publicKeys = operation({
  method: 'get',
  path: '/.well-known/jwks.json',
  operationId: 'getJwks',
  summary: 'The local key pair’s public keys (local identity mode only)',
  answers: {
    200: json(z.object({ keys: z.array(z.object({}).passthrough()).describe('The public keys, as JWKs.') }), 'A JWKS.'),
  },
  errors: GATED_ERRORS,
  handle(ctx, _input, { jwks }) {
    ctx.body = jwks;
  },
});

/** Mounted in local identity mode only: with an OIDC issuer, its keys are the issuer's to publish. */
export const jwksRoutes = (key: LocalSigningKey): Router =>
  registerOperations(new Router(), [publicKeys], { jwks: { keys: [key.publicJwk] } });
