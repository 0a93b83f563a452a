// sha256:17752823fac9230777a05a3c697708138c200dad7be6b86167edffe8962ae2cb sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';
import { sqlSource } from '../src/db/sql-source.ts';

const OFFER_CONTRACT = 'offer_contract(integer, integer, integer, integer, boolean, text, text)';

// Families sign or decline through their link (docs/PRODUCT.md, "The state machine"). A link
// replaced by a newer offer must answer 410, so every replaced token is kept, with an index for the
// exact-match lookup.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE TABLE superseded_contract_tokens (
      token text PRIMARY KEY,
      tenant_id integer NOT NULL,
      player_id integer NOT NULL,
      superseded_at timestamptz NOT NULL DEFAULT now(),
      FOREIGN KEY (tenant_id, player_id) REFERENCES players (tenant_id, id) ON DELETE CASCADE
    );
    CREATE INDEX superseded_contract_tokens_by_player ON superseded_contract_tokens (tenant_id, player_id);

    -- Offers made before this migration left their replaced tokens only in the audit log.
    INSERT INTO superseded_contract_tokens (token, tenant_id, player_id, superseded_at)
    SELECT old_state->>'contract_token', tenant_id, player_id, ts
    FROM contract_audit_log
    WHERE event_type IN ('re_offer', 'tier_change') AND old_state->>'contract_token' IS NOT NULL
    ON CONFLICT (token) DO NOTHING;

    DROP FUNCTION ${OFFER_CONTRACT};
  `);
  pgm.sql(sqlSource('offer_contract.v2.sql'));
  pgm.sql(sqlSource('lock_offered_contract.v1.sql'));
  pgm.sql(sqlSource('write_family_audit.v1.sql'));
  pgm.sql(sqlSource('sign_contract.v1.sql'));
  pgm.sql(sqlSource('decline_contract.v1.sql'));
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    DROP FUNCTION decline_contract(text);
    DROP FUNCTION sign_contract(text, text, text, inet, text);
    DROP FUNCTION write_family_audit(text, players, players);
    DROP FUNCTION lock_offered_contract(text);
    DROP FUNCTION ${OFFER_CONTRACT};
    DROP TABLE superseded_contract_tokens;
  `);
  pgm.sql(sqlSource('offer_contract.v1.sql'));
}
