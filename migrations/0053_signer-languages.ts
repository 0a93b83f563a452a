// sha256:843a41c5958fc9318baa70e83bfaa3077e061b24f011f6dfb6dbf2b1d606a4a7 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// Each signer's language, fixed with the offer, and the language of the terms they read, recorded
// with their signature beside the sha256 of that very text (docs/LANGUAGES.md). Nullable columns:
// a catalog change; the CHECK is validated in 0055.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE contract_signers ADD COLUMN language text, ADD COLUMN terms_language text;
    ALTER TABLE contract_signers ADD CONSTRAINT contract_signers_language_check
      CHECK (language ~ '^[a-z]{2,3}$' AND terms_language ~ '^[a-z]{2,3}$') NOT VALID;
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('ALTER TABLE contract_signers DROP COLUMN language, DROP COLUMN terms_language;');
}
