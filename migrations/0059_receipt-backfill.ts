// sha256:a60edd903e4d43ca944e9800d3afab2d8eead8f94377e8b7a1678c574745ddf9 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// The receipts of contracts completed before receipts existed (docs/RECEIPTS.md): one job, which
// this release's worker runs (make_contract_receipts) and the previous release's leaves alone
// (graphile-worker takes only the tasks it knows). It makes a batch of receipts in the audit log's
// key order and queues the next batch, on a queue of its own at a low priority, so a deployment
// with years of contracts makes their PDFs one at a time while its e-mail and webhooks go on, and
// this migration writes nothing but that one job (none on a database with no signed contract). Until a contract's PDF is made, its
// link answers 404 receipt_pending.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    SELECT graphile_worker.add_job(
      'make_contract_receipts',
      json_build_object('after_tenant_id', 0, 'after_audit_id', '0'),
      queue_name => 'receipt-backfill',
      job_key => 'receipt-backfill',
      priority => 100
    )
    -- A database with no signed contract (a new one) has nothing to make, and gets no job.
    WHERE EXISTS (SELECT 1 FROM contract_audit_log WHERE event_type = 'sign');
  `);
}

// Nothing to undo: a job left for a task the worker no longer knows is never run, and the next up
// queues it again under the same key.
export async function down(): Promise<void> {}
