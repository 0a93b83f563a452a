// sha256:db34378aa1779aca926858e1f4c3ac7a5da94a950a6aa434e9abea95bb93ee36 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// 0043's CHECK of the audit event types (the machine's, `signature` added), validated: a scan of
// contract_audit_log that takes only SHARE UPDATE EXCLUSIVE, so reads and writes go on meanwhile.
// Every row holds a type the previous CHECK allowed, all of which this one allows.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('ALTER TABLE contract_audit_log VALIDATE CONSTRAINT contract_audit_log_event_type_check;');
}

// Back to NOT VALID, as 0043 left it: dropped and added again, which scans nothing.
export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE contract_audit_log DROP CONSTRAINT contract_audit_log_event_type_check;
    ALTER TABLE contract_audit_log ADD CONSTRAINT contract_audit_log_event_type_check
      CHECK (event_type IN ('re_offer', 'tier_change', 'sign', 'decline', 'admin_override', 'withdraw', 'expire', 'signature')) NOT VALID;
  `);
}
