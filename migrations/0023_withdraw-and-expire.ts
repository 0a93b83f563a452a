// sha256:a2e008f35b5d62129adeb44e9fc5ac031051992f64514564af55c6b0e025151f sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// WITHDRAW and EXPIRE: a withdrawal keeps the administrator's reason in its audit row, like an
// override; withdraw_contract answers one row type whether it wrote or replayed an Idempotency-Key.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE contract_audit_log
      DROP CONSTRAINT contract_audit_log_override_has_reason,
      ADD CONSTRAINT contract_audit_log_reason_given CHECK ((event_type IN ('admin_override', 'withdraw')) = (reason IS NOT NULL));

    CREATE TYPE withdraw_contract_outcome AS (
      replayed boolean,
      previous_status text,
      new_status text,
      audit_id bigint,
      actor text
    );
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    DROP TYPE withdraw_contract_outcome;
    ALTER TABLE contract_audit_log
      DROP CONSTRAINT contract_audit_log_reason_given,
      ADD CONSTRAINT contract_audit_log_override_has_reason CHECK ((event_type = 'admin_override') = (reason IS NOT NULL));
  `);
}
