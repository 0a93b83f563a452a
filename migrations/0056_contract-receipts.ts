// sha256:59d0880f52caa8cb50e3404d1577eeffed5c355d722b92524132c6c69d8c0f3d sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// Receipt PDFs (docs/RECEIPTS.md): each signed contract's sealed PDF, kept as made, so its bytes
// (whose sha256 the `receipt` audit row records) are the ones served ever after, whatever later
// fonts, libraries or certificates would make. One per completing `sign` audit row; it leaves with
// its player. A new table only: catalog changes, no lock on any table in use.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE TABLE contract_receipts (
      tenant_id integer NOT NULL,
      player_id integer NOT NULL,
      sign_audit_id bigint NOT NULL,
      audit_id bigint NOT NULL,
      sha256 bytea NOT NULL CHECK (octet_length(sha256) = 32),
      pdf bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT contract_receipts_pkey PRIMARY KEY (tenant_id, player_id, sign_audit_id),
      CONSTRAINT contract_receipts_player_fkey FOREIGN KEY (tenant_id, player_id)
        REFERENCES players (tenant_id, id) ON DELETE CASCADE
    );
    CREATE INDEX contract_receipts_by_sha256 ON contract_receipts (sha256);
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('DROP TABLE contract_receipts;');
}
