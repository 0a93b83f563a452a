// sha256:170d26bba531091d448dc81362daea87f4821538a8541c845bbee672b47dcc41 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// An offer's outcome lists who signs (docs/PRODUCT.md, "Who signs"): a type of its own for
// offer_contract_with_signers, beside the previous release's offer_contract_outcome, which stays as
// it was. Changing that type in place (ALTER TYPE … ADD ATTRIBUTE) would fail the previous release's
// offers that are running as the migration commits: an offer whose answer started with the old type
// and built its row with the new one. A new type no table stores: a catalog change.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE TYPE offer_contract_with_signers_outcome AS (
      replayed boolean,
      previous_status text,
      new_status text,
      contract_token text,
      monthly_fee integer,
      team_ids integer[],
      moved_teams boolean,
      archived boolean,
      audit_id bigint,
      actor text,
      signers jsonb
    )
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('DROP TYPE offer_contract_with_signers_outcome');
}
