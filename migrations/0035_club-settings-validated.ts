// sha256:1375dc776ee4a66fec8f2efa7b27a72152c15192a458e2fbeab02dff3d753a4c sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// 0034's CHECKs, validated: a scan of tenants that takes only SHARE UPDATE EXCLUSIVE, so reads and
// writes go on meanwhile. Every row holds 0034's defaults or a value its CHECKs let through.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE tenants VALIDATE CONSTRAINT tenants_signing_policy_check;
    ALTER TABLE tenants VALIDATE CONSTRAINT tenants_adult_age_check;
    ALTER TABLE tenants VALIDATE CONSTRAINT tenants_default_language_check;
    ALTER TABLE tenants VALIDATE CONSTRAINT tenants_contact_email_check;
    ALTER TABLE tenants VALIDATE CONSTRAINT tenants_time_zone_check;
  `);
}

// Back to NOT VALID, as 0034 left them: dropped and added again, which scans nothing.
export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE tenants
      DROP CONSTRAINT tenants_signing_policy_check,
      DROP CONSTRAINT tenants_adult_age_check,
      DROP CONSTRAINT tenants_default_language_check,
      DROP CONSTRAINT tenants_contact_email_check,
      DROP CONSTRAINT tenants_time_zone_check;
    ALTER TABLE tenants
      ADD CONSTRAINT tenants_signing_policy_check CHECK (signing_policy IN ('one_guardian', 'all_guardians')) NOT VALID,
      ADD CONSTRAINT tenants_adult_age_check CHECK (adult_age BETWEEN 14 AND 21) NOT VALID,
      ADD CONSTRAINT tenants_default_language_check CHECK (default_language IN ('en', 'es')) NOT VALID,
      ADD CONSTRAINT tenants_contact_email_check CHECK (char_length(contact_email) BETWEEN 3 AND 320) NOT VALID,
      ADD CONSTRAINT tenants_time_zone_check CHECK (char_length(time_zone) BETWEEN 1 AND 64) NOT VALID;
  `);
}
