// sha256:88d719efeb73061fd5f214788eaace6b67e051adb92b19dabdbb836e73005d0d sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// docs/PRODUCT.md, "People": a player's birth date, and the guardians who will sign for a minor, in
// a table of their own (listed in order, at most four), so a later offer can give each one a link.
//
// Safe while the previous release serves: birth_date is a nullable column without a default (a
// catalog change, no rewrite); guardians is a new table, whose only foreign key goes to players
// (the club follows from the player's composite key), so players is the one existing table this
// locks, for a moment. The previous release never reads either. create_player_with_guardians_outcome
// is the row the new create function answers with, beside create_player_outcome, which the previous
// release's create_player still returns during a rolling deploy.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE players ADD COLUMN birth_date date;

    CREATE TABLE guardians (
      tenant_id integer NOT NULL,
      player_id integer NOT NULL,
      id integer GENERATED ALWAYS AS IDENTITY,
      position smallint NOT NULL CHECK (position BETWEEN 1 AND 4),
      name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
      email text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 320),
      CONSTRAINT guardians_pkey PRIMARY KEY (tenant_id, id),
      CONSTRAINT guardians_player_fkey FOREIGN KEY (tenant_id, player_id) REFERENCES players (tenant_id, id) ON DELETE CASCADE,
      CONSTRAINT guardians_position_unique UNIQUE (tenant_id, player_id, position)
    );

    CREATE TYPE create_player_with_guardians_outcome AS (
      replayed boolean,
      id integer,
      name text,
      email text,
      contract_status text,
      contract_token text,
      monthly_fee integer,
      team_ids integer[],
      birth_date date,
      guardians jsonb
    );
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    DROP TYPE create_player_with_guardians_outcome;
    DROP TABLE guardians;
    ALTER TABLE players DROP COLUMN birth_date;
  `);
}
