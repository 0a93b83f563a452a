// sha256:f00e4db8a35bf897c3e7cc65a32ac1a28b3fa3851f232280dbe9a3e7f08fd49f sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// 0061's CHECK of the audit event types (the machine's, `receipt` added), validated: a scan of
// contract_audit_log that takes only SHARE UPDATE EXCLUSIVE, so reads and writes go on meanwhile.
// Every row holds a type the previous CHECK allowed, all of which this one allows.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('ALTER TABLE contract_audit_log VALIDATE CONSTRAINT contract_audit_log_event_type_check;');
}

// Back to NOT VALID, as 0061 left it: dropped and added again, which scans nothing.
export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE contract_audit_log DROP CONSTRAINT contract_audit_log_event_type_check;
    ALTER TABLE contract_audit_log ADD CONSTRAINT contract_audit_log_event_type_check
      CHECK (event_type IN ('re_offer', 'tier_change', 'sign', 'decline', 'admin_override', 'withdraw', 'expire', 'signature', 'receipt')) NOT VALID;
  `);
}
