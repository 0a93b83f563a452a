// sha256:46f36d92d1f2e5eb5cdcdcaeab0c1eb4ada5316f1e2b616480a1d788c00aeb3d sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// 0053's CHECKs validated: VALIDATE CONSTRAINT scans with reads and writes going on.
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
