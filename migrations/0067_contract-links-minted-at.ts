// sha256:63ea5e2af0d7eb473b1d076fb23fab384f6ba4850813e4fb365f2a0914cd2e63 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// When each family link was minted: its offer's now(), which the offer also records as
// contract_offered_at. With replaced links no longer recorded in superseded_contract_tokens (0069),
// this is what ties another signer's replaced link to the signed contract a tier change replaced
// (src/family/store.ts, findSignedContract). Links minted before it keep NULL: those replaced
// before the deploy are in superseded_contract_tokens with their time. A nullable column, then its
// default: catalog changes only, no rewrite of a table that holds every token ever minted.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE contract_links ADD COLUMN minted_at timestamptz;
    ALTER TABLE contract_links ALTER COLUMN minted_at SET DEFAULT now();
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('ALTER TABLE contract_links DROP COLUMN minted_at;');
}
