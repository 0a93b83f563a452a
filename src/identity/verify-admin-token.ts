import { type JWTPayload, type JWTVerifyGetKey, createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { IdentityConfig } from '../config.ts';
import { AppError } from '../errors.ts';
import type { LocalSigningKey } from './local-signing-key.ts';

/** Who is calling, as far as the token says. The tenant slug is checked against the database later. */
export interface AdminIdentity {
  readonly tenantSlug: string;
  /** Recorded in the audit log: the `email` claim, else "admin" (SPEC §5). */
  readonly actor: string;
}

export type AdminTokenVerifier = (authorization: string | undefined) => Promise<AdminIdentity>;

/** The keys tokens are checked against: the local key's public half, or the issuer's JWKS. */
export function adminTokenKeys(identity: IdentityConfig, localKey: LocalSigningKey | null): JWTVerifyGetKey {
  if (identity.mode === 'oidc') return createRemoteJWKSet(new URL(identity.jwksUrl));
  if (localKey === null) throw new Error('local identity mode needs the local signing key');
  return createLocalJWKSet({ keys: [localKey.publicJwk] });
}

export function createAdminTokenVerifier(identity: IdentityConfig, keys: JWTVerifyGetKey): AdminTokenVerifier {
  return async (authorization) => {
    const token = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/i.exec(authorization ?? '')?.[1];
    if (token === undefined) {
      throw new AppError('unauthenticated', {
        message: 'Send an admin access token as "Authorization: Bearer <token>".',
      });
    }
    const payload = await verify(token, identity, keys);
    if (!roles(payload, identity.audience).includes(identity.adminRole)) {
      throw new AppError('forbidden', { message: `The token lacks the "${identity.adminRole}" role.` });
    }
    const tenantSlug = payload[identity.tenantClaim];
    if (typeof tenantSlug !== 'string' || tenantSlug === '') {
      throw new AppError('forbidden', {
        message: `The token has no "${identity.tenantClaim}" claim naming a club.`,
      });
    }
    const email = payload.email;
    return { tenantSlug, actor: typeof email === 'string' && email !== '' ? email : 'admin' };
  };
}

async function verify(token: string, identity: IdentityConfig, keys: JWTVerifyGetKey): Promise<JWTPayload> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      issuer: identity.issuer,
      audience: identity.audience,
      algorithms: ['RS256', 'ES256'],
      requiredClaims: ['exp'],
    }));
  } catch (error) {
    if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
      throw new AppError('identity_provider_unavailable', { cause: error });
    }
    throw new AppError('unauthenticated', { message: `The token was refused: ${reason(error)}.` });
  }
  // Keycloak marks its token kinds in a `typ` claim; only access tokens may call the API.
  if (payload.typ !== undefined && payload.typ !== 'Bearer') {
    throw new AppError('unauthenticated', { message: 'The token was refused: it is not an access token.' });
  }
  return payload;
}

/** A short reason that tells the caller what to fix without echoing the token. */
function reason(error: errors.JOSEError): string {
  if (error instanceof errors.JWTExpired) return 'it has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `its "${error.claim}" claim is not accepted`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'its algorithm is not accepted';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no known key signed it';
  return 'it is not a valid access token';
}

/** Keycloak puts realm roles in `realm_access` and client roles under the client's id. */
function roles(payload: JWTPayload, audience: string): string[] {
  const realm = (payload.realm_access as { roles?: unknown } | undefined)?.roles;
  const resource = (payload.resource_access as Record<string, { roles?: unknown }> | undefined)?.[audience]?.roles;
  return [realm, resource].flatMap((list) =>
    Array.isArray(list) ? list.filter((role): role is string => typeof role === 'string') : [],
  );
}
