// sha256:1cebc5b6081403058815b3c536c3b99b826c563149a784b3be3973c837339f87 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// The club's own id for a player (docs/PRODUCT.md, "The season at once"): the key a roster import
// matches rows by, unique per club, optional. A nullable column is a catalog change; its CHECK is
// NOT VALID (nothing to check yet, and checking would scan players under a write lock), validated
// with the unique index in 0046.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE players ADD COLUMN external_id text;
    ALTER TABLE players ADD CONSTRAINT players_external_id_check
      CHECK (char_length(external_id) BETWEEN 1 AND 100 AND external_id !~ '[[:cntrl:]]') NOT VALID;
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('ALTER TABLE players DROP COLUMN external_id;');
}
