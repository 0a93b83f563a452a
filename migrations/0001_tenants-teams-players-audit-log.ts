// sha256:28bebb7f5f9bff638b6d2f9a0f439a25138ab461d7eb9dcb22d6de47125730f1 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';
import { sqlSource } from '../src/db/sql-source.ts';

// docs/PRODUCT.md, "Data". Every tenant-owned table's key starts with tenant_id and every foreign key between them
// is composite, so no row can point at another club's row, whoever writes the SQL.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE EXTENSION IF NOT EXISTS pgcrypto;

    CREATE TABLE tenants (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
      name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200)
    );

    CREATE TABLE teams (
      tenant_id integer NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
      id integer GENERATED ALWAYS AS IDENTITY,
      name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
      PRIMARY KEY (tenant_id, id),
      CONSTRAINT teams_name_unique UNIQUE (tenant_id, name)
    );

    CREATE TABLE players (
      tenant_id integer NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
      id integer GENERATED ALWAYS AS IDENTITY,
      name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
      email text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 320),
      contract_status text NOT NULL DEFAULT 'none'
        CHECK (contract_status IN ('none', 'offered', 'declined', 'signed')),
      contract_token text UNIQUE CHECK (contract_token ~ '^[A-Za-z0-9_-]{43}$'),
      monthly_fee integer CHECK (monthly_fee BETWEEN 1 AND 1000000),
      contract_offered_at timestamptz,
      contract_offered_by text,
      contract_signed_at timestamptz,
      contract_signed_by text,
      contract_signed_ip inet,
      contract_signature_url text,
      contract_version text,
      contract_declined_at timestamptz,
      PRIMARY KEY (tenant_id, id),
      -- The status and the columns that go with it cannot drift apart.
      CONSTRAINT players_offer_has_token CHECK ((contract_status = 'none') = (contract_token IS NULL)),
      CONSTRAINT players_offer_has_fee CHECK ((contract_status = 'none') = (monthly_fee IS NULL)),
      CONSTRAINT players_signed_has_signature CHECK ((contract_status = 'signed') = (contract_signed_at IS NOT NULL)),
      CONSTRAINT players_declined_has_date CHECK ((contract_status = 'declined') = (contract_declined_at IS NOT NULL))
    );
    -- GET /admin/contracts: one status of one club, in id order (keyset pagination).
    CREATE INDEX players_by_contract_status ON players (tenant_id, contract_status, id);

    CREATE TABLE player_teams (
      tenant_id integer NOT NULL,
      player_id integer NOT NULL,
      team_id integer NOT NULL,
      PRIMARY KEY (tenant_id, player_id, team_id),
      CONSTRAINT player_teams_player_fkey
        FOREIGN KEY (tenant_id, player_id) REFERENCES players (tenant_id, id) ON DELETE CASCADE,
      CONSTRAINT player_teams_team_fkey FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id)
    );
    CREATE INDEX player_teams_by_team ON player_teams (tenant_id, team_id);

    CREATE TABLE contract_audit_log (
      tenant_id integer NOT NULL,
      id bigint GENERATED ALWAYS AS IDENTITY,
      ts timestamptz NOT NULL DEFAULT now(),
      player_id integer NOT NULL,
      event_type text NOT NULL CHECK (event_type IN ('re_offer', 'tier_change', 'sign', 'decline')),
      old_state jsonb NOT NULL,
      new_state jsonb NOT NULL,
      actor text NOT NULL DEFAULT 'admin',
      source text NOT NULL,
      PRIMARY KEY (tenant_id, id),
      FOREIGN KEY (tenant_id, player_id) REFERENCES players (tenant_id, id) ON DELETE CASCADE
    );
    CREATE INDEX contract_audit_log_by_player ON contract_audit_log (tenant_id, player_id, id);
  `);
  pgm.sql(sqlSource('contract_audit_log_append_only.v1.sql'));
  pgm.sql(`
    CREATE TRIGGER contract_audit_log_append_only
      BEFORE UPDATE OR DELETE ON contract_audit_log
      FOR EACH ROW EXECUTE FUNCTION contract_audit_log_append_only();
    CREATE TRIGGER contract_audit_log_no_truncate
      BEFORE TRUNCATE ON contract_audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION contract_audit_log_append_only();
  `);
}

// pgcrypto stays: it may have been there before this migration, and other objects may use it.
export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    DROP TABLE contract_audit_log;
    DROP FUNCTION contract_audit_log_append_only();
    DROP TABLE player_teams;
    DROP TABLE players;
    DROP TABLE teams;
    DROP TABLE tenants;
  `);
}
