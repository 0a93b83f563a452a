// sha256:70948ba65754f63d559f301b5aa99cd09da214d022138d9c9eb929f3ba7bcb87 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// A removed audit row keeps the transaction that wrote it (0061), so a checkpoint that sealed it can
// still be recomputed, and one not yet sealed still gets sealed. A catalog change.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('ALTER TABLE contract_audit_log_removed ADD COLUMN xact_id xid8');
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('ALTER TABLE contract_audit_log_removed DROP COLUMN xact_id');
}
