import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';

/** Mirrors the CHECK on tenants.slug, so the CLI can say what is wrong before asking the database. */
export const TENANT_SLUG = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

const tenant = z.object({ id: z.number(), slug: z.string(), name: z.string() });
export type Tenant = z.infer<typeof tenant>;

/** Looked up on every request, not cached: a club added while the service runs works at once. */
export async function findTenantId(db: CommonQueryMethods, slug: string): Promise<number | null> {
  return db.maybeOneFirst(sql.type(z.object({ id: z.number() }))`SELECT id FROM tenants WHERE slug = ${slug}`);
}

export async function createTenant(db: CommonQueryMethods, slug: string, name: string): Promise<Tenant> {
  return db.one(sql.type(tenant)`
    INSERT INTO tenants (slug, name) VALUES (${slug}, ${name})
    RETURNING id, slug, name
  `);
}

/** Mirror the CHECKs on tenants (migration 0034): docs/PRODUCT.md, "The club's settings". */
export const SIGNING_POLICIES = ['one_guardian', 'all_guardians'] as const;
/** The languages families are served in (docs/PRODUCT.md, "The club's settings"). */
export const ADULT_AGES = { min: 14, max: 21 } as const;

/** The club's settings, as GET and PATCH /admin/club answer them (sql/update_club). */
export const club = z.object({
  slug: z.string(),
  name: z.string(),
  signing_policy: z.enum(SIGNING_POLICIES),
  adult_age: z.number().int(),
  /** A language with a catalog, when it was set (docs/LANGUAGES.md). */
  default_language: z.string(),
  contact_email: z.string().nullable(),
  time_zone: z.string(),
});
export type Club = z.infer<typeof club>;

/** What a PATCH changes: only the keys present; `contact_email: null` clears it. */
export type ClubChanges = Partial<Omit<Club, 'slug'>>;

/** The club's settings; null when there is no such club. */
export async function findClub(db: CommonQueryMethods, tenantId: number): Promise<Club | null> {
  return db.maybeOne(sql.type(club)`
    SELECT slug, name, signing_policy, adult_age, default_language, contact_email, time_zone
    FROM tenants WHERE id = ${tenantId}
  `);
}

/**
 * sql/update_club: the club after the change, or null when there is no such club. A time zone
 * PostgreSQL does not know is refused with INVAL (validation_failed), and nothing changes.
 */
export async function updateClub(db: CommonQueryMethods, tenantId: number, changes: ClubChanges): Promise<Club | null> {
  return db.maybeOne(sql.type(club)`SELECT * FROM update_club(${tenantId}, ${sql.jsonb(changes)})`);
}
