// sha256:a9acb0e882327914d2dfada0a8a9b39deb479c35542d356f6c6be4940888cfa8 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// Who signs an offer (docs/PRODUCT.md, "Who signs"): one row per signer, fixed when the offer is
// made, each with a link of its own. The first signer's token is the player's contract_token, so a
// contract offered before this table existed (no rows here) is signed through that one link as
// before; the others are routed to their player by contract_links like it. A signer's row keeps the
// evidence of its signature. `completes` says whether this signer's signature alone completes the
// contract (the player, the only signer, any one guardian under `one_guardian`) or every signer of
// the offer must sign (`all_guardians`).
//
// A message names the signer it was written for (its link, its name in the contract's view). New
// tables and nullable columns: catalog changes only, nothing to rewrite or scan; the foreign key
// takes a brief lock on players. The offer's outcome lists the signers from 0048 on, once every
// function that builds it can (0043).
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE TABLE contract_signers (
      tenant_id integer NOT NULL,
      player_id integer NOT NULL,
      id integer GENERATED ALWAYS AS IDENTITY,
      position smallint NOT NULL CHECK (position BETWEEN 1 AND 4),
      role text NOT NULL CHECK (role IN ('guardian', 'player')),
      name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
      email text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 320),
      token text NOT NULL CHECK (token ~ '^[A-Za-z0-9_-]{43}$'),
      completes boolean NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'signed', 'declined')),
      answered_at timestamptz,
      signed_by text,
      signed_ip inet,
      user_agent text,
      esign_consent boolean,
      disclosure_version text,
      disclosure_sha256 bytea,
      terms_version integer,
      terms_sha256 bytea,
      contract_version text,
      signature_url text,
      CONSTRAINT contract_signers_pkey PRIMARY KEY (tenant_id, id),
      CONSTRAINT contract_signers_position_unique UNIQUE (tenant_id, player_id, position),
      CONSTRAINT contract_signers_token_unique UNIQUE (tenant_id, token),
      CONSTRAINT contract_signers_player_fkey FOREIGN KEY (tenant_id, player_id) REFERENCES players (tenant_id, id) ON DELETE CASCADE,
      CONSTRAINT contract_signers_answered_has_time CHECK ((status = 'pending') = (answered_at IS NULL)),
      CONSTRAINT contract_signers_signed_has_name CHECK ((status = 'signed') = (signed_by IS NOT NULL))
    );

    ALTER TABLE contract_messages
      ADD COLUMN signer_id integer,
      ADD COLUMN signer_name text,
      ADD COLUMN signer_role text;
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE contract_messages DROP COLUMN signer_id, DROP COLUMN signer_name, DROP COLUMN signer_role;
    DROP TABLE contract_signers;
  `);
}
