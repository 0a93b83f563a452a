import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';

const replacedLink = z.object({ player_id: z.number(), token: z.string() });
export type ReplacedLink = z.infer<typeof replacedLink>;

/**
 * A club's replaced links as the family routes tell them (sql/lock_offered_contract.sql): routed to
 * a player who holds them no more, or recorded in superseded_contract_tokens by an earlier release.
 * In the order they were minted, which is the order a chain of offers replaced them in.
 */
export async function readReplacedLinks(db: CommonQueryMethods, tenantId: number, playerId?: number): Promise<readonly ReplacedLink[]> {
  return db.any(sql.type(replacedLink)`
    SELECT replaced.player_id, replaced.token FROM (
      SELECT links.player_id, links.token FROM contract_links AS links
      JOIN players ON players.tenant_id = links.tenant_id AND players.id = links.player_id
      WHERE links.tenant_id = ${tenantId} AND links.token IS DISTINCT FROM players.contract_token
        AND NOT EXISTS (
          SELECT 1 FROM contract_signers AS signer
          WHERE signer.tenant_id = links.tenant_id AND signer.token = links.token AND signer.player_id = links.player_id
        )
      UNION
      SELECT legacy.player_id, legacy.token FROM superseded_contract_tokens AS legacy WHERE legacy.tenant_id = ${tenantId}
    ) AS replaced
    LEFT JOIN contract_links AS minted ON minted.token = replaced.token
    WHERE ${playerId ?? null}::integer IS NULL OR replaced.player_id = ${playerId ?? null}::integer
    ORDER BY minted.minted_at, replaced.token
  `);
}
