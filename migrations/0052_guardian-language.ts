// sha256:a3b6d6ab7fc59591198c3a2f6e36a82a7ea75240bfadb2ce2b6405ada655ce50 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// A guardian's own language (docs/LANGUAGES.md). A nullable column: a catalog change; its CHECK is
// validated in 0055.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE guardians ADD COLUMN language text;
    ALTER TABLE guardians ADD CONSTRAINT guardians_language_check CHECK (language ~ '^[a-z]{2,3}$') NOT VALID;
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('ALTER TABLE guardians DROP COLUMN language;');
}
