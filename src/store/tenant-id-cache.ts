import type { CommonQueryMethods } from 'slonik';
import { findTenantId } from './tenants.ts';

/** How long a club's id is remembered: a slug changed by hand in SQL is noticed within this time. */
const REMEMBER_MS = 60_000;

export type TenantIdLookup = (slug: string) => Promise<number | null>;

/**
 * Club slug → id, remembered so that an admin request does not spend a round trip on it. Only
 * clubs that exist are remembered: a club created while the service runs works at once (SPEC §8).
 * Bounded in entries; the oldest go first.
 */
export function cachedTenantIds(db: CommonQueryMethods, maxEntries: number, now: () => number = Date.now): TenantIdLookup {
  const known = new Map<string, { readonly id: number; readonly until: number }>();
  return async (slug) => {
    const cached = known.get(slug);
    if (cached !== undefined && now() < cached.until) return cached.id;
    const id = await findTenantId(db, slug);
    known.delete(slug);
    if (id !== null) {
      if (known.size >= maxEntries) known.delete(known.keys().next().value as string);
      known.set(slug, { id, until: now() + REMEMBER_MS });
    }
    return id;
  };
}
