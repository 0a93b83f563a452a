// sha256:3ff31244248c2983f2db78a3cd5f30ba995296792630947854af894492bfd5b3 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// 0057's CHECK of the audit event types (the machine's, `receipt` added), validated: a scan of
// contract_audit_log that takes only SHARE UPDATE EXCLUSIVE, so reads and writes go on meanwhile.
// Every row holds a type the previous CHECK allowed, all of which this one allows.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('ALTER TABLE contract_audit_log VALIDATE CONSTRAINT contract_audit_log_event_type_check;');
}

// Back to NOT VALID, as 0057 left it: dropped and added again, which scans nothing.
export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE contract_audit_log DROP CONSTRAINT contract_audit_log_event_type_check;
    ALTER TABLE contract_audit_log ADD CONSTRAINT contract_audit_log_event_type_check
      CHECK (event_type IN ('re_offer', 'tier_change', 'sign', 'decline', 'admin_override', 'withdraw', 'expire', 'signature', 'receipt')) NOT VALID;
  `);
}
