// sha256:c31be1dff7c054e4ccf8a37712e6cef6a9c5309c6aa9aed062156dd604ad39b2 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// contract_messages becomes the e-mail's own outbox (docs/DESIGN.md, "E-mail queue"): the worker
// takes the due rows itself, so queuing a mail is one INSERT and no job of graphile-worker's.
// due_at: when the worker takes the message next (queued now, a retry after its backoff, a held
// message when the family's budget allows it, a claimed one once its lease runs out). NULL marks a
// message queued the earlier way, with a graphile-worker job (enqueue_contract_job) that sends it:
// the worker takes only rows with a due_at, so no message has two senders during a deploy.
// claimed_at: when a worker took it; NULL again when it is put back to wait. Both nullable with no
// default: a catalog change, contract_messages is not rewritten.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE contract_messages ADD COLUMN due_at timestamptz;
    ALTER TABLE contract_messages ADD COLUMN claimed_at timestamptz;
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE contract_messages DROP COLUMN claimed_at;
    ALTER TABLE contract_messages DROP COLUMN due_at;
  `);
}
