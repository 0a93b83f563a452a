import { type JWTPayload, type JWTVerifyGetKey, createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { IdentityConfig, JwksConfig } from '../config.ts';
import { AppError } from '../errors.ts';
import { TENANT_SLUG } from '../club/store.ts';
import type { LocalSigningKey } from './local-signing-key.ts';

/** Who is calling, as far as the token says. The tenant slug is checked against the database later. */
export interface AdminIdentity {
  readonly tenantSlug: string;
  /** Recorded in the audit log: the `email` claim, else "admin" (docs/PRODUCT.md, "Identity"). */
  readonly actor: string;
  /** The token's `exp`, in epoch seconds. */
  readonly expiresAt: number;
}

/** Takes every Authorization header the request carried (Node keeps only the first in `headers`). */
export type AdminTokenVerifier = (authorization: readonly string[] | undefined) => Promise<AdminIdentity>;

/**
 * Keycloak signs with RS256 by default and the local key uses ES256. Naming them is what refuses
 * "none" and HS256 — whose secret an attacker would take to be the issuer's public key — and jose
 * checks this before it looks up any key, so such tokens never cause a JWKS fetch.
 */
const ALGORITHMS = ['RS256', 'ES256'];

/** A JWS in compact form: three base64url parts joined by dots. */
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/**
 * RFC 5321's limit on an address; anything longer, or with control characters (C0, DEL, C1), is not
 * one. The CLI mints no token whose `email` this refuses.
 */
export const EMAIL = /^[^\p{Cc}]{1,320}$/u;

/** The keys tokens are checked against: the local key's public half, or the issuer's JWKS. */
export function adminTokenKeys(identity: IdentityConfig, localKey: LocalSigningKey | null): JWTVerifyGetKey {
  if (identity.mode === 'oidc') return issuerKeys(new URL(identity.jwksUrl), identity.jwks);
  if (localKey === null) throw new Error('local identity mode needs the local signing key');
  return createLocalJWKSet({ keys: [localKey.publicJwk] });
}

/**
 * The issuer's key set, fetched on first use and kept for `cacheMaxAgeSeconds`; a token with an
 * unknown `kid` (the issuer rotated its key) refetches it, at most once per cool-down.
 */
function issuerKeys(url: URL, options: JwksConfig): JWTVerifyGetKey {
  const jwks = createRemoteJWKSet(url, {
    timeoutDuration: options.timeoutMs,
    cooldownDuration: options.cooldownSeconds * 1000,
    cacheMaxAge: options.cacheMaxAgeSeconds * 1000,
  });
  return async (header, token) => {
    try {
      return await jwks(header, token);
    } catch (error) {
      // No key for the token's kid is the token's problem. Anything else — a timeout, a refused
      // connection, a non-200 or unparsable answer, a malformed key — is the issuer's, and retryable.
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new AppError('identity_provider_unavailable', { cause: error });
    }
  };
}

export function createAdminTokenVerifier(identity: IdentityConfig, keys: JWTVerifyGetKey): AdminTokenVerifier {
  return async (authorization) => {
    const payload = await verify(bearerToken(authorization), identity, keys);
    if (!roles(payload, identity.audience).includes(identity.adminRole)) {
      throw new AppError('forbidden', { message: `The token lacks the "${identity.adminRole}" role.` });
    }
    const tenantSlug = payload[identity.tenantClaim];
    // A value that cannot be a slug cannot name a club; checking here keeps it away from the database.
    if (typeof tenantSlug !== 'string' || !TENANT_SLUG.test(tenantSlug)) {
      throw new AppError('forbidden', {
        message: `The token has no "${identity.tenantClaim}" claim naming a club.`,
      });
    }
    const email = payload.email;
    if (typeof email === 'string' && email !== '' && !EMAIL.test(email)) {
      throw new AppError('unauthenticated', { message: 'The token was refused: its "email" claim is not an address.' });
    }
    return {
      tenantSlug,
      actor: typeof email === 'string' && email !== '' ? email : 'admin',
      expiresAt: payload.exp as number, // required by verify()
    };
  };
}

/**
 * The token of the one `Authorization: Bearer <token>` header, or a 401 saying what is wrong with
 * the header: a caller who sent one learns how it is malformed, rather than that it is missing.
 * Nothing of the header is echoed: it may be a credential.
 */
function bearerToken(authorization: readonly string[] | undefined): string {
  const refuse = (message: string) => new AppError('unauthenticated', { message });
  const [value, ...others] = authorization ?? [];
  if (value === undefined) throw refuse('Send an admin access token as "Authorization: Bearer <token>".');
  // Two Authorization headers are ambiguous (a proxy may have acted on the other): refuse both.
  if (others.length > 0) throw refuse('The request carries more than one Authorization header: send one, "Bearer <token>".');
  if (value === '') throw refuse('The Authorization header is empty: send "Authorization: Bearer <token>".');
  const [scheme = '', ...rest] = value.split(' ');
  if (scheme.toLowerCase() !== 'bearer') {
    throw refuse(
      JWT.test(value)
        ? 'The Authorization header holds a token without its scheme: send "Bearer <token>".'
        : 'The Authorization header is not a bearer token: admin calls take "Authorization: Bearer <token>".',
    );
  }
  if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) {
    throw refuse('The Authorization header says "Bearer" but no token follows it.');
  }
  const [token = ''] = rest;
  if (rest.length > 1) {
    throw refuse('The Authorization header holds more than a token after "Bearer": send one space, then the token alone.');
  }
  if (!JWT.test(token)) {
    throw refuse('The bearer token is not a JWT: an admin access token is three base64url parts joined by dots.');
  }
  return token;
}

async function verify(token: string, identity: IdentityConfig, keys: JWTVerifyGetKey): Promise<JWTPayload> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      issuer: identity.issuer,
      audience: identity.audience,
      algorithms: ALGORITHMS,
      requiredClaims: ['exp'],
      clockTolerance: identity.clockToleranceSeconds,
    }));
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('unauthenticated', { message: `The token was refused: ${reason(error, identity)}.`, cause: error });
  }
  // jose compares `iat` only with a maximum token age, and Keycloak's token lifetimes are the
  // realm's choice. A token issued in the future is from a wrong clock or a forger either way.
  if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + identity.clockToleranceSeconds) {
    throw new AppError('unauthenticated', { message: 'The token was refused: it was issued in the future.' });
  }
  // A stolen token is good until its `exp`: one made to last for years (or 10^20 s) is refused. A
  // token without `iat` is judged by how long it has left.
  const lifetime = (payload.exp as number) - (typeof payload.iat === 'number' ? payload.iat : Date.now() / 1000);
  if (lifetime > identity.maxTokenLifetimeSeconds) {
    throw new AppError('unauthenticated', {
      message: `The token was refused: it is valid for longer than the ${identity.maxTokenLifetimeSeconds} s accepted (exp − iat).`,
    });
  }
  // Keycloak marks its token kinds in a `typ` claim; only access tokens may call the API.
  if (payload.typ !== undefined && payload.typ !== 'Bearer') {
    throw new AppError('unauthenticated', { message: 'The token was refused: it is not an access token.' });
  }
  return payload;
}

/** A short reason that tells the caller what to fix without echoing the token. */
function reason(error: unknown, identity: IdentityConfig): string {
  if (error instanceof errors.JWTExpired) return 'it has expired';
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf') return 'it is not valid yet';
  if (error instanceof errors.JWTClaimValidationFailed) return `its "${error.claim}" claim is not accepted`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'its algorithm is not accepted';
  // Each DATA_DIR holds a key pair of its own: the usual cause is a token minted beside another one.
  if (error instanceof errors.JWKSNoMatchingKey && identity.mode === 'local')
    return "no known key signed it: mint it with `club-contracts token` and the service's own DATA_DIR, whose key pair signs the service's tokens";
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
