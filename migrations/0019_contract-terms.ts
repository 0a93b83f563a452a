// sha256:542427c3b927e99b9e73adbaa010a7bf2cd80aea3f052f4cf218720fa0d1eedd sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// What the family signs: each club's contract terms, versioned 1, 2, … and immutable once created,
// and the version an offer pins, with the sha256 of its exact text, on the player's contract. The
// trigger that keeps the terms immutable follows in 0021, once its function is installed (0020).
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE TABLE contract_terms (
      tenant_id integer NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
      version integer NOT NULL CHECK (version >= 1),
      title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
      body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 100000), -- Markdown, as the club wrote it
      -- The hash of exactly the text, as the family's evidence records it (a generated column would need an
      -- immutable expression; the UTF-8 conversion is not, though the database's encoding never changes).
      sha256 bytea NOT NULL CHECK (sha256 = sha256(convert_to(body, 'UTF8'))),
      created_at timestamptz NOT NULL DEFAULT now(),
      created_by text NOT NULL,
      PRIMARY KEY (tenant_id, version)
    );

    -- The terms an offer pins (NULL: the club had none, and CONTRACT_VERSION stands alone). Like
    -- every contract_* column, only the contract functions change them.
    ALTER TABLE players
      ADD COLUMN contract_terms_version integer,
      ADD COLUMN contract_terms_sha256 bytea,
      ADD CONSTRAINT players_contract_terms_fkey
        FOREIGN KEY (tenant_id, contract_terms_version) REFERENCES contract_terms (tenant_id, version),
      ADD CONSTRAINT players_terms_have_hash CHECK ((contract_terms_version IS NULL) = (contract_terms_sha256 IS NULL));
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE players
      DROP CONSTRAINT players_terms_have_hash,
      DROP CONSTRAINT players_contract_terms_fkey,
      DROP COLUMN contract_terms_sha256,
      DROP COLUMN contract_terms_version;
    DROP TABLE contract_terms;
  `);
}
