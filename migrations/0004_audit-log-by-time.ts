// sha256:71ed96b51d6c4dc7c51a075969b78f074f5979db3d9cb6911886ff55e0011f84 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// GET /admin/contract/stats counts one club's audit events in a time window.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('CREATE INDEX contract_audit_log_by_time ON contract_audit_log (tenant_id, ts)');
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('DROP INDEX contract_audit_log_by_time');
}
