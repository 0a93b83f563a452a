import type { AdminIdentity, AdminTokenVerifier } from './verify-admin-token.ts';

/**
 * Remembers the tokens that verified, so an admin's repeated calls pay for the signature check
 * once in a while rather than on every request. Only successes are kept, never past the token's
 * `exp`, and at most `maxEntries` of them (the oldest go first), so a flood of tokens costs memory
 * of a fixed size. Keyed by the Authorization header itself; nothing here is ever logged.
 */
export interface VerifiedTokenCacheOptions {
  readonly maxEntries: number;
  /**
   * How long a verified token is trusted without checking it again: short, so that a key the
   * issuer withdraws stops working within this time (as it would once the key set is refetched).
   */
  readonly recheckAfterMs: number;
  readonly now?: () => number;
}

export function cacheVerifiedTokens(
  verify: AdminTokenVerifier,
  { maxEntries, recheckAfterMs, now = Date.now }: VerifiedTokenCacheOptions,
): AdminTokenVerifier {
  const verified = new Map<string, { readonly identity: AdminIdentity; readonly until: number }>();
  return async (authorization) => {
    const header = authorization?.length === 1 ? authorization[0] : undefined;
    const cached = header === undefined ? undefined : verified.get(header);
    if (cached !== undefined) {
      if (now() < cached.until) return cached.identity;
      verified.delete(header as string);
    }
    const identity = await verify(authorization);
    if (header !== undefined && maxEntries > 0) {
      if (verified.size >= maxEntries) verified.delete(verified.keys().next().value as string);
      verified.set(header, { identity, until: Math.min(identity.expiresAt * 1000, now() + recheckAfterMs) });
    }
    return identity;
  };
}
