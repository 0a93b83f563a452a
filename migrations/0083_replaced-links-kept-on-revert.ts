// sha256:cdb7717508955b9c594218fa364f270404e985ddd2f710d3c77f17d0caaf4b02 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// The way back from 0082, which stopped recording replaced family links in
// superseded_contract_tokens: a link replaced since is routed (contract_links) to a player who holds
// it no more, and the functions 0082's down restores read superseded_contract_tokens alone. Reverted
// first, this migration records those links there, so each still answers 410 as replaced after the
// revert rather than 404 (their replacement time is the revert's: a guardian's link a tier change
// replaced no longer finds the signed contract to show). Nothing to do on the way up.
export async function up(): Promise<void> {}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    INSERT INTO superseded_contract_tokens (token, tenant_id, player_id)
    SELECT links.token, links.tenant_id, links.player_id
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
