import { SignJWT } from 'jose';
import type { IdentityConfig } from '../config.ts';
import { LOCAL_SIGNING_ALG, type LocalSigningKey } from './local-signing-key.ts';

export interface AdminTokenRequest {
  readonly tenantSlug: string;
  readonly email: string | null;
  readonly ttlSeconds: number;
}

/**
 * A Keycloak-shaped access token signed by the local key: the admin role in `realm_access.roles`,
 * the tenant in the configured claim. The service verifies it exactly like an issuer's token.
 */
export async function mintAdminToken(
  identity: IdentityConfig,
  key: LocalSigningKey,
  request: AdminTokenRequest,
): Promise<string> {
  const claims: Record<string, unknown> = {
    typ: 'Bearer',
    realm_access: { roles: [identity.adminRole] },
    [identity.tenantClaim]: request.tenantSlug,
  };
  if (request.email !== null) claims.email = request.email;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: LOCAL_SIGNING_ALG, kid: key.publicJwk.kid, typ: 'JWT' })
    .setIssuer(identity.issuer)
    .setAudience(identity.audience)
    .setSubject(request.email ?? `admin@${request.tenantSlug}`)
    .setIssuedAt()
    .setExpirationTime(`${request.ttlSeconds}s`)
    .sign(key.privateKey);
}
