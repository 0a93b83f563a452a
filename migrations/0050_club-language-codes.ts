// sha256:f34a2cd4ade4184499c9fa7b111588c506a2b57345fa39ce7353a761c48d27d6 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// Families in their language (docs/LANGUAGES.md): a language is a code with a catalog
// (src/i18n/catalogs/), so the database checks only its form, and adding a language is adding a
// catalog, not a migration. The club's default_language takes any such code from now on. Each of
// 0050 to 0054 changes one table, holding its lock for a moment only, so that none waits on live
// traffic holding another (several tables in one transaction can deadlock with it). The CHECKs
// are NOT VALID, validated in 0055.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE tenants DROP CONSTRAINT tenants_default_language_check;
    ALTER TABLE tenants ADD CONSTRAINT tenants_default_language_check CHECK (default_language ~ '^[a-z]{2,3}$') NOT VALID;
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    UPDATE tenants SET default_language = 'en' WHERE default_language NOT IN ('en', 'es');
    ALTER TABLE tenants DROP CONSTRAINT tenants_default_language_check;
    ALTER TABLE tenants ADD CONSTRAINT tenants_default_language_check CHECK (default_language IN ('en', 'es'));
  `);
}
