// sha256:a197f90f6d9f8924398a2dcb04619b3603dc8cc543a92bedab9354edcee1e8e6 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// The way back from 0069, which stopped recording replaced family links in
// superseded_contract_tokens: a link replaced since is routed (contract_links) to a player who holds
// it no more, and the functions 0069's down restores read superseded_contract_tokens alone. Reverted
// first, this migration records those links there, so each still answers 410 as replaced after the
// revert rather than 404. A guardian's link that a tier change replaced is recorded at that change's
// time, which is how those functions find the signed contract its page shows; the others at the
// revert's. Nothing to do on the way up.
export async function up(): Promise<void> {}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    INSERT INTO superseded_contract_tokens (token, tenant_id, player_id, superseded_at)
    SELECT links.token, links.tenant_id, links.player_id, coalesce((
      SELECT audit.ts FROM contract_audit_log AS audit
      WHERE audit.tenant_id = links.tenant_id AND audit.player_id = links.player_id AND audit.event_type = 'tier_change'
        AND (audit.old_state->>'contract_offered_at')::timestamptz = links.minted_at
      ORDER BY audit.id DESC
      LIMIT 1
    ), now())
    FROM contract_links AS links
    JOIN players ON players.tenant_id = links.tenant_id AND players.id = links.player_id
    WHERE links.token IS DISTINCT FROM players.contract_token
      AND NOT EXISTS (
        SELECT 1 FROM contract_signers AS signer
        WHERE signer.tenant_id = links.tenant_id AND signer.token = links.token AND signer.player_id = links.player_id
      )
    ON CONFLICT (tenant_id, token) DO NOTHING;
  `);
}
