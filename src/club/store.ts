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
