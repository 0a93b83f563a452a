// sha256:a421308ed66507192418c55cc7ee4a8a7fd5b9cf24d6afa6fd1ddf5e6e802719 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// One write path: each admin write function takes an optional Idempotency-Key claim and answers
// with one row type, whether it wrote or replayed a stored outcome (which is that row as JSON). The
// functions themselves come from sql/ in the migration `npm run db:sync` generates next.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    -- An Idempotency-Key as a write function receives it: NULL for a write without one.
    CREATE TYPE idempotency_claim AS (
      key text,
      request_hash bytea, -- sha256 of the request's validated input
      ttl interval, -- how long the key answers with its first outcome
      wait interval -- how long a duplicate waits for the first request before IDKIP
    );

    CREATE TYPE offer_contract_outcome AS (
      replayed boolean,
      previous_status text,
      new_status text,
      contract_token text,
      monthly_fee integer,
      team_ids integer[],
      moved_teams boolean,
      archived boolean,
      audit_id bigint,
      actor text
    );

    CREATE TYPE create_team_outcome AS (
      replayed boolean,
      id integer,
      name text
    );

    CREATE TYPE create_player_outcome AS (
      replayed boolean,
      id integer,
      name text,
      email text,
      contract_status text,
      contract_token text,
      monthly_fee integer,
      team_ids integer[]
    );
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    DROP TYPE create_player_outcome;
    DROP TYPE create_team_outcome;
    DROP TYPE offer_contract_outcome;
    DROP TYPE idempotency_claim;
  `);
}
