import type { CommonQueryMethods } from 'slonik';
import { BoundedCache } from '../bounded-cache.ts';
import { findTenantId } from './store.ts';

/** How long a club's id is remembered: a slug changed by hand in SQL is noticed within this time. */
const REMEMBER_MS = 60_000;

export type TenantIdLookup = (slug: string) => Promise<number | null>;

/**
 * Club slug → id, remembered so that an admin request does not spend a round trip on it. Only
 * clubs that exist are remembered: a club created while the service runs works at once (docs/PRODUCT.md, "Admin tokens").
 * Bounded in entries; the least recently used go first.
 */
export function cachedTenantIds(db: CommonQueryMethods, maxEntries: number, now: () => number = Date.now): TenantIdLookup {
  const known = new BoundedCache<number>(maxEntries, now);
  return async (slug) => {
    const cached = known.get(slug);
    if (cached !== undefined) return cached;
    const id = await findTenantId(db, slug);
    if (id !== null) known.set(slug, id, now() + REMEMBER_MS);
    return id;
  };
}
