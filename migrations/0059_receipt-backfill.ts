// sha256:6fff9d422e56ea23779c90dada67c0e917f9baab0bda3a60cd67daa99d794186 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// The receipts of contracts completed before receipts existed (docs/RECEIPTS.md): a job per `sign`
// row without a receipt, which this release's worker runs (make_contract_receipt) and the previous
// release's leaves alone (graphile-worker takes only the tasks it knows). Each makes and records one
// PDF; until then its link answers 404 receipt_pending. The jobs share one queue, which
// graphile-worker works one job at a time, and a low priority: a deployment with years of
// contracts makes their PDFs one after another for as long as that takes, while its e-mail and
// webhooks go on as before. Added through graphile-worker's public add_jobs, in one call. Rows of
// the job queue only: no lock on any table in use beyond reading the audit log's sign rows.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    SELECT count(*) FROM graphile_worker.add_jobs(ARRAY(
      SELECT ROW(
        'make_contract_receipt',
        json_build_object('tenant_id', sign.tenant_id, 'player_id', sign.player_id, 'sign_audit_id', sign.id::text),
        'receipt-backfill',
        NULL,
        5,
        'receipt:' || sign.tenant_id || ':' || sign.id,
        100,
        NULL
      )::graphile_worker.job_spec
      FROM contract_audit_log AS sign
      WHERE sign.event_type = 'sign'
        AND NOT EXISTS (
          SELECT 1 FROM contract_receipts AS receipts
          WHERE receipts.tenant_id = sign.tenant_id AND receipts.player_id = sign.player_id AND receipts.sign_audit_id = sign.id
        )
    ));
  `);
}

// Nothing to undo: a job left for a task the worker no longer knows is never run, and the next up
// queues it again under the same key.
export async function down(): Promise<void> {}
