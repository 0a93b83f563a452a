// sha256:3eff08fc4d3084ff54cece565c889fc10d30c405e7f1be28babd6d16be681149 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// Who signs an offer (docs/PRODUCT.md, "Who signs"): one row per signer, fixed when the offer is
// made, each with a link of its own. The first signer's token is the player's contract_token (so a
// contract made before this table, with no rows here, is signed through that one link as before);
// the others are routed to their player by contract_links like it. A signer's row keeps the
// evidence of its signature. `completes` says whether this signer's signature alone completes the
// contract (any one guardian under `one_guardian`, the player or the only signer) or every signer
// of the offer must sign (`all_guardians`). A new table: nothing to rewrite or scan, and only a
// brief lock on players for the foreign key.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE TABLE contract_signers (
      tenant_id integer NOT NULL,
      player_id integer NOT NULL,
      id integer GENERATED ALWAYS AS IDENTITY,
      position smallint NOT NULL CHECK (position BETWEEN 1 AND 5),
      role text NOT NULL CHECK (role IN ('guardian', 'player')),
      name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
      email text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 320),
      token text NOT NULL CHECK (token ~ '^[A-Za-z0-9_-]{43}$'),
      completes boolean NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'signed', 'declined')),
      signed_at timestamptz,
      signed_by text,
      signed_ip inet,
      user_agent text,
      esign_consent boolean,
      disclosure_version text,
      disclosure_sha256 bytea,
      terms_version integer,
      terms_sha256 bytea,
      answered_at timestamptz,
      PRIMARY KEY (tenant_id, id),
      UNIQUE (tenant_id, player_id, position),
      UNIQUE (token),
      FOREIGN KEY (tenant_id, player_id) REFERENCES players (tenant_id, id) ON DELETE CASCADE,
      CONSTRAINT contract_signers_signed_has_evidence CHECK ((status = 'signed') = (signed_at IS NOT NULL AND signed_by IS NOT NULL)),
      CONSTRAINT contract_signers_answered_has_time CHECK ((status = 'pending') = (answered_at IS NULL))
    );
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('DROP TABLE contract_signers;');
}
