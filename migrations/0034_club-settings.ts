// sha256:89b972988d589acbc3a78ab0508f1c06049ad69a15c49c798323641174b1e8b4 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// The club's settings (docs/PRODUCT.md, "The club's settings"): who signs a minor's contract, from
// which age a player signs alone, the families' default language, whom families ask, and the time
// zone of the times they are shown. Each new column has a constant default, so adding it rewrites
// no row (PostgreSQL 11+ keeps the default in the catalog) and every club keeps working as before.
// The CHECKs come NOT VALID, which holds tenants' lock only for a moment: they bind every write from
// now on, and 0035 validates the rows there are (which hold the defaults) in a migration of its own.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE tenants
      ADD COLUMN signing_policy text NOT NULL DEFAULT 'one_guardian',
      ADD COLUMN adult_age smallint NOT NULL DEFAULT 18,
      ADD COLUMN default_language text NOT NULL DEFAULT 'en',
      ADD COLUMN contact_email text,
      ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC';
  `);
  pgm.sql(`
    ALTER TABLE tenants
      ADD CONSTRAINT tenants_signing_policy_check CHECK (signing_policy IN ('one_guardian', 'all_guardians')) NOT VALID,
      ADD CONSTRAINT tenants_adult_age_check CHECK (adult_age BETWEEN 14 AND 21) NOT VALID,
      ADD CONSTRAINT tenants_default_language_check CHECK (default_language IN ('en', 'es')) NOT VALID,
      ADD CONSTRAINT tenants_contact_email_check CHECK (char_length(contact_email) BETWEEN 3 AND 320) NOT VALID,
      ADD CONSTRAINT tenants_time_zone_check CHECK (char_length(time_zone) BETWEEN 1 AND 64) NOT VALID;
  `);
}

// Loses each club's settings: src/db/down-risks.ts asks first.
export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE tenants
      DROP COLUMN signing_policy,
      DROP COLUMN adult_age,
      DROP COLUMN default_language,
      DROP COLUMN contact_email,
      DROP COLUMN time_zone;
  `);
}
