// sha256:f411ad7e93b2b7867d55dbd1978fbbfe57134a5bd6706b4a9f5d0db1e8bc16df sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// Every e-mail a family is sent, written in the transaction that queues its job (offer, sign,
// decline, a reminder) and updated by the worker that sends it: GET /admin/players/:id/contract
// shows them. Offers and reminders carry the link's sha256, not the link, so the worker can check
// that the link is still the player's current one without a second copy of the credential.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE TABLE contract_messages (
      tenant_id integer NOT NULL,
      id bigint GENERATED ALWAYS AS IDENTITY,
      player_id integer NOT NULL,
      kind text NOT NULL CHECK (kind IN ('offer', 'reminder', 'confirmation')),
      recipient text NOT NULL,
      -- offer and reminder: the link the message carries; confirmation: the audit row it confirms.
      contract_token_sha256 bytea CHECK (octet_length(contract_token_sha256) = 32),
      audit_id bigint,
      status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed', 'skipped')),
      attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      last_error text,
      -- The Message-ID's unique part, the same on every attempt.
      message_id uuid NOT NULL DEFAULT gen_random_uuid(),
      created_at timestamptz NOT NULL DEFAULT now(),
      sent_at timestamptz,
      PRIMARY KEY (tenant_id, id),
      FOREIGN KEY (tenant_id, player_id) REFERENCES players (tenant_id, id) ON DELETE CASCADE,
      CONSTRAINT contract_messages_carry_their_subject CHECK (
        (kind = 'confirmation') = (audit_id IS NOT NULL) AND (kind = 'confirmation') = (contract_token_sha256 IS NULL)
      ),
      CONSTRAINT contract_messages_sent_has_time CHECK ((status = 'sent') = (sent_at IS NOT NULL))
    );
    CREATE INDEX contract_messages_by_player ON contract_messages (tenant_id, player_id, id);
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('DROP TABLE contract_messages');
}
