// sha256:0dd8d35d46987b911a815e6e11996a11dc196aaaf12b05e010ab5298d317a848 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// docs/PRODUCT.md, "People": POST /admin/players takes and answers the club's own id for a player
// (external_id, 0045/0046). create_player_with_external_id_outcome is the row the new create
// function answers with (and stores for an Idempotency-Key's replay), beside
// create_player_with_guardians_outcome, which the previous release's create_player_with_guardians
// still returns during a rolling deploy (docs/OPERATING.md, "A breaking change"). A new type locks
// no table.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE TYPE create_player_with_external_id_outcome AS (
      replayed boolean,
      id integer,
      name text,
      email text,
      contract_status text,
      contract_token text,
      monthly_fee integer,
      team_ids integer[],
      birth_date date,
      guardians jsonb,
      external_id text
    );
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('DROP TYPE create_player_with_external_id_outcome;');
}
