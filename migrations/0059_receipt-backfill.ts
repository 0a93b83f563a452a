// sha256:6ebbdb5c235c9e15febea5f2b5aa78e0359aa653943f0a06bc4ecdb8f9ad4404 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// The receipts of contracts completed before receipts existed (docs/RECEIPTS.md): one job, which
// this release's worker runs (make_contract_receipts) and the previous release's leaves alone
// (graphile-worker takes only the tasks it knows). It makes a batch of receipts in the audit log's
// key order and queues the next batch, on a queue of its own at a low priority, so a deployment
// with years of contracts makes their PDFs one at a time while its e-mail and webhooks go on, and
// this migration reads and writes nothing but that one job. Until a contract's PDF is made, its
// link answers 404 receipt_pending.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    SELECT graphile_worker.add_job(
      'make_contract_receipts',
      json_build_object('after_tenant_id', 0, 'after_audit_id', '0'),
      queue_name => 'receipt-backfill',
      job_key => 'receipt-backfill',
      priority => 100
    );
  `);
}

// Nothing to undo: a job left for a task the worker no longer knows is never run, and the next up
// queues it again under the same key.
export async function down(): Promise<void> {}
