// sha256:04984485a0503a8ad2d064353b8052d60e570e25899f8a74aa89aa77a3e04990 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// Checkpoints over the per-player audit chains (docs/DESIGN.md, "Tamper evidence"). A seal is one
// run of the sealer: it takes the rows written by transactions in [from_xact, to_xact), every one
// of which has ended, so no row can join that range later. Each club with such rows gets a
// checkpoint: the seal's id (not a foreign key: the seals are the deployment's, the checkpoints each
// club's, as docs/SCALING.md has tenant-owned tables), the ids it sealed, their hashes (32 bytes
// each, in id order: verify names a row that changed since) and sha256(the club's previous
// checkpoint hash ‖ those hashes). New tables only: catalog changes.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE TABLE contract_audit_seals (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      from_xact xid8,
      to_xact xid8 NOT NULL,
      sealed_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT contract_audit_seals_range_check CHECK (from_xact < to_xact)
    );
    CREATE TABLE contract_audit_checkpoints (
      tenant_id integer NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
      seal_id bigint NOT NULL,
      audit_ids bigint[] NOT NULL CHECK (cardinality(audit_ids) > 0),
      audit_hashes bytea NOT NULL,
      previous_hash bytea CHECK (octet_length(previous_hash) = 32),
      hash bytea NOT NULL CHECK (octet_length(hash) = 32),
      CONSTRAINT contract_audit_checkpoints_pkey PRIMARY KEY (tenant_id, seal_id),
      CONSTRAINT contract_audit_checkpoints_hashes_check CHECK (octet_length(audit_hashes) = 32 * cardinality(audit_ids))
    );
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('DROP TABLE contract_audit_checkpoints; DROP TABLE contract_audit_seals;');
}
