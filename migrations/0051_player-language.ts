// sha256:10e2fe9220dc28d79c18f98f22f6a06d29a9731ebfb9d00763848099b4a321f1 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// A player's own language, for an offer they sign themselves (docs/LANGUAGES.md). A nullable
// column: a catalog change; its CHECK is validated in 0055.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE players ADD COLUMN language text;
    ALTER TABLE players ADD CONSTRAINT players_language_check CHECK (language ~ '^[a-z]{2,3}$') NOT VALID;
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('ALTER TABLE players DROP COLUMN language;');
}
