// sha256:d2598c62146500367b8f99d4204073eb97bd428febca11970f97bfc285e5f436 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// Webhooks (docs/WEBHOOKS.md): a club's endpoints, the events of its transitions and one delivery
// per endpoint subscribed when the event happened. The secrets are AES-256-GCM ciphertexts under
// WEBHOOK_SECRET_KEY (src/webhooks/secret-box.ts), which the database never sees; `secret_key_id`
// names the key that sealed them, so a changed key is found at start-up. A rotated-out secret
// still signs until `previous_secret_expires_at`. An endpoint failing since `failing_since` for the
// configured window is disabled, with the reason.
//
// An event's `data` is what its body carries, written by the transition's own function; a
// delivery is the outbox row the worker works from. New tables only: catalog changes, no lock on
// any table in use.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE TABLE webhook_endpoints (
      tenant_id integer NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
      id integer GENERATED ALWAYS AS IDENTITY,
      url text NOT NULL CHECK (char_length(url) BETWEEN 8 AND 2000),
      events text[] CHECK (cardinality(events) BETWEEN 1 AND 20),
      enabled boolean NOT NULL DEFAULT true,
      secret_ciphertext bytea NOT NULL,
      previous_secret_ciphertext bytea,
      previous_secret_expires_at timestamptz,
      secret_key_id text NOT NULL CHECK (secret_key_id ~ '^[0-9a-f]{16}$'),
      failing_since timestamptz,
      disabled_reason text,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT webhook_endpoints_pkey PRIMARY KEY (tenant_id, id),
      CONSTRAINT webhook_endpoints_previous_secret_expires CHECK (
        (previous_secret_ciphertext IS NULL) = (previous_secret_expires_at IS NULL)
      )
    );

    CREATE TABLE webhook_events (
      tenant_id integer NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
      id text NOT NULL CHECK (id ~ '^evt_[0-9a-f]{32}$'),
      type text NOT NULL,
      data jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT webhook_events_pkey PRIMARY KEY (tenant_id, id)
    );

    CREATE TABLE webhook_deliveries (
      tenant_id integer NOT NULL,
      id integer GENERATED ALWAYS AS IDENTITY,
      endpoint_id integer NOT NULL,
      event_id text NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
      attempt smallint NOT NULL DEFAULT 0,
      response_status smallint,
      error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      delivered_at timestamptz,
      next_attempt_at timestamptz DEFAULT now(),
      CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (tenant_id, id),
      CONSTRAINT webhook_deliveries_endpoint_fkey FOREIGN KEY (tenant_id, endpoint_id)
        REFERENCES webhook_endpoints (tenant_id, id) ON DELETE CASCADE,
      CONSTRAINT webhook_deliveries_event_fkey FOREIGN KEY (tenant_id, event_id)
        REFERENCES webhook_events (tenant_id, id) ON DELETE CASCADE,
      CONSTRAINT webhook_deliveries_delivered_has_time CHECK ((status = 'delivered') = (delivered_at IS NOT NULL)),
      CONSTRAINT webhook_deliveries_pending_has_next CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL))
    );
    -- The delivery log, newest first, a page at a time.
    CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (tenant_id, endpoint_id, id DESC);
    CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (tenant_id, event_id);
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('DROP TABLE webhook_deliveries; DROP TABLE webhook_events; DROP TABLE webhook_endpoints;');
}
