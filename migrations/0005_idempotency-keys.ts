// sha256:c8dd738bc7520acceed5d7ccd13976d2b0704b255433b07d1df37083e336cbe4 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';
import { sqlSource } from '../src/db/sql-source.ts';

// Safe retries of admin writes (Idempotency-Key). A key belongs to one club; it is stored in the
// transaction of the write it guards, with a hash of the request and the write's outcome.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE TABLE idempotency_keys (
      tenant_id integer NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
      key text NOT NULL CHECK (key ~ '^[\\x21-\\x7e]{1,255}$'),
      request_hash bytea NOT NULL CHECK (octet_length(request_hash) = 32),
      response jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, key)
    );
    CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (tenant_id, expires_at);
  `);
  pgm.sql(sqlSource('create_team.v1.sql'));
  pgm.sql(sqlSource('create_player.v1.sql'));
  pgm.sql(sqlSource('claim_idempotency_key.v1.sql'));
  pgm.sql(sqlSource('run_idempotent_write.v1.sql'));
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    DROP FUNCTION run_idempotent_write(integer, text, bytea, interval, interval, text, jsonb, text);
    DROP FUNCTION claim_idempotency_key(integer, text, bytea, interval, interval);
    DROP FUNCTION create_player(integer, text, text, integer[]);
    DROP FUNCTION create_team(integer, text);
    DROP TABLE idempotency_keys;
  `);
}
