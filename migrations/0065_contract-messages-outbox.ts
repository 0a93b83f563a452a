// sha256:8e1b3e52c101f70c1828ea6ed1884548009818b9b2b58c3548972f9737a860c1 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
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

// The down loses no mail: each message still waiting in the outbox first gets the job the earlier
// release sends mail by (sql/enqueue_contract_job.sql, which every release has), due when the
// message was: a held one when its budget allows, a claimed one once its lease runs out.
export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    SELECT enqueue_contract_job(
      'send_contract_message', json_build_object('tenant_id', tenant_id, 'message_id', id), NULL, due_at, 8::smallint
    )
    FROM contract_messages WHERE status = 'queued' AND due_at IS NOT NULL;
    ALTER TABLE contract_messages DROP COLUMN claimed_at;
    ALTER TABLE contract_messages DROP COLUMN due_at;
  `);
}
