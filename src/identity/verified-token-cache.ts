import { BoundedCache } from '../bounded-cache.ts';
import type { AdminIdentity, AdminTokenVerifier } from './verify-admin-token.ts';

export interface VerifiedTokenCacheOptions {
  readonly maxEntries: number;
  /**
   * How long a verified token is trusted without checking it again: short, so that a key the
   * issuer withdraws stops working within this time (as it would once the key set is refetched).
   */
  readonly recheckAfterMs: number;
  readonly now?: () => number;
}

/**
 * Remembers the tokens that verified, so an admin's repeated calls pay for the signature check
 * once in a while rather than on every request. Only successes are kept, never past the token's
 * `exp`, and at most `maxEntries` of them. Keyed by the Authorization header itself; nothing here is
 * ever logged.
 */
export function cacheVerifiedTokens(
  verify: AdminTokenVerifier,
  { maxEntries, recheckAfterMs, now = Date.now }: VerifiedTokenCacheOptions,
): AdminTokenVerifier {
  const verified = new BoundedCache<AdminIdentity>(maxEntries, now);
  return async (authorization) => {
    const header = authorization?.length === 1 ? authorization[0] : undefined;
    const cached = header === undefined ? undefined : verified.get(header);
    if (cached !== undefined) return cached;
    const identity = await verify(authorization);
    if (header !== undefined) {
      verified.set(header, identity, Math.min(identity.expiresAt * 1000, now() + recheckAfterMs));
    }
    return identity;
  };
}
