// sha256:e68e6a5b77820e3654a873d9179b9a9f407b164340ee9be20781b1062a2af300 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// An offer's outcome lists who signs (docs/PRODUCT.md, "Who signs"). A new attribute of a type no
// table stores: a catalog change. It comes after 0043, whose offer_contract builds the outcome by
// attribute name, so that no function building it by position runs while the type has changed.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('ALTER TYPE offer_contract_outcome ADD ATTRIBUTE signers jsonb');
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('ALTER TYPE offer_contract_outcome DROP ATTRIBUTE signers');
}
