// sha256:876bdbe44fb8cfecf162dbb45d9eee5354bb795dc2142a646c8f1180d7f71d7a sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';
import { sqlSource } from '../src/db/sql-source.ts';

// Ready to distribute by tenant_id (docs/SCALING.md, test/schema-distribution.test.ts): every key of
// a tenant-owned table includes tenant_id. A family link is its token alone, so the two global token
// indexes (players.contract_token and the replaced tokens) become per-club ones, and one routing
// index, contract_links, answers which club a token belongs to; it also keeps tokens unique across
// clubs. It has no foreign key to players: under Citus it is distributed by token, away from them.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE TABLE contract_links (
      token text PRIMARY KEY,
      tenant_id integer NOT NULL REFERENCES tenants (id) ON DELETE CASCADE
    );
    INSERT INTO contract_links (token, tenant_id)
    SELECT contract_token, tenant_id FROM players WHERE contract_token IS NOT NULL
    UNION
    SELECT token, tenant_id FROM superseded_contract_tokens;

    ALTER TABLE players
      DROP CONSTRAINT players_contract_token_key,
      ADD CONSTRAINT players_contract_token_unique UNIQUE (tenant_id, contract_token);
    ALTER TABLE superseded_contract_tokens
      DROP CONSTRAINT superseded_contract_tokens_pkey,
      ADD PRIMARY KEY (tenant_id, token);
  `);
  pgm.sql(sqlSource('route_contract_token.v1.sql'));
  pgm.sql(`
    CREATE TRIGGER players_route_new_contract_token
      AFTER INSERT ON players
      FOR EACH ROW WHEN (NEW.contract_token IS NOT NULL) EXECUTE FUNCTION route_contract_token();
    CREATE TRIGGER players_route_changed_contract_token
      AFTER UPDATE OF contract_token ON players
      FOR EACH ROW WHEN (NEW.contract_token IS NOT NULL AND NEW.contract_token IS DISTINCT FROM OLD.contract_token)
      EXECUTE FUNCTION route_contract_token();

    DROP FUNCTION lock_offered_contract(text);
  `);
  pgm.sql(sqlSource('lock_offered_contract.v2.sql'));
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    DROP FUNCTION lock_offered_contract(text);
    DROP TRIGGER players_route_changed_contract_token ON players;
    DROP TRIGGER players_route_new_contract_token ON players;
    DROP FUNCTION route_contract_token();
    ALTER TABLE superseded_contract_tokens
      DROP CONSTRAINT superseded_contract_tokens_pkey,
      ADD PRIMARY KEY (token);
    ALTER TABLE players
      DROP CONSTRAINT players_contract_token_unique,
      ADD CONSTRAINT players_contract_token_key UNIQUE (contract_token);
    DROP TABLE contract_links;
  `);
  pgm.sql(sqlSource('lock_offered_contract.v1.sql'));
}
