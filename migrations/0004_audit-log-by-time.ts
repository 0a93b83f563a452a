import type { MigrationBuilder } from 'node-pg-migrate';

// GET /admin/contract/stats counts one club's audit events in a time window.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('CREATE INDEX contract_audit_log_by_time ON contract_audit_log (tenant_id, ts)');
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('DROP INDEX contract_audit_log_by_time');
}
