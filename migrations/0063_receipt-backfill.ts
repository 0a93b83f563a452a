// sha256:848464c53147f5590da86b03760fc6f659e89e7acdfcf025b1714d36a87d08bd sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// The receipts of contracts completed before receipts existed (docs/RECEIPTS.md): a job per `sign`
// row without a receipt, which this release's worker runs (make_contract_receipt) and the previous
// release's leaves alone (graphile-worker takes only the tasks it knows). Each makes and records one
// PDF; until then its link answers 404 receipt_pending. Rows of the job queue only: no lock on any
// table in use beyond reading the audit log's sign rows.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    SELECT enqueue_contract_job(
      'make_contract_receipt',
      json_build_object('tenant_id', sign.tenant_id, 'player_id', sign.player_id, 'sign_audit_id', sign.id::text),
      'receipt:' || sign.tenant_id || ':' || sign.id
    )
    FROM contract_audit_log AS sign
    WHERE sign.event_type = 'sign'
      AND NOT EXISTS (
        SELECT 1 FROM contract_receipts AS receipts
        WHERE receipts.tenant_id = sign.tenant_id AND receipts.player_id = sign.player_id AND receipts.sign_audit_id = sign.id
      );
  `);
}

// Nothing to undo: a job left for a task the worker no longer knows is never run, and the next up
// queues it again under the same key.
export async function down(): Promise<void> {}
