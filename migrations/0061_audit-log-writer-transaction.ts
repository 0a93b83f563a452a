// sha256:6f509ec20f4437273306942276bb06baf149e802c39356d9e10b0636233e15ae sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// Per-player audit chains (docs/DESIGN.md, "Tamper evidence"): each row records the transaction that
// wrote it, so the worker can seal a club's rows into a checkpoint once no older transaction can
// still add one. NULL marks a row chained per club, before this release. A nullable column without a
// default: a catalog change, no rewrite of the log.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('ALTER TABLE contract_audit_log ADD COLUMN xact_id xid8');
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('ALTER TABLE contract_audit_log DROP COLUMN xact_id');
}
