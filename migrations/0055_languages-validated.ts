// sha256:7470d808dbbe46a06f8494947b85256f608b03d644f9f8ce6bf4b2b23b56ef78 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// 0050 to 0054's CHECKs validated: VALIDATE CONSTRAINT scans with reads and writes going on.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE tenants VALIDATE CONSTRAINT tenants_default_language_check;
    ALTER TABLE players VALIDATE CONSTRAINT players_language_check;
    ALTER TABLE guardians VALIDATE CONSTRAINT guardians_language_check;
    ALTER TABLE contract_signers VALIDATE CONSTRAINT contract_signers_language_check;
    ALTER TABLE contract_terms VALIDATE CONSTRAINT contract_terms_language_check;
  `);
}

export async function down(): Promise<void> {}
