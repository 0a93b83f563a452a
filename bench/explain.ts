import { sql } from 'slonik';
import { z } from 'zod';
import { createDatabasePool } from '../src/db/pool.ts';

// EXPLAIN (ANALYZE, BUFFERS) of the lookups every request makes, on the bench's data after its
// load: each must be an index scan touching a handful of pages, whatever the club's size.

export interface Plan {
  readonly lookup: string;
  readonly plan: string;
}

export async function explainLookups(databaseUrl: string, tenantId: number, playerId: number): Promise<Plan[]> {
  const pool = await createDatabasePool(databaseUrl, { maximumPoolSize: 1 });
  try {
    const token = await pool.oneFirst(sql.type(z.object({ contract_token: z.string() }))`
      SELECT contract_token FROM players WHERE tenant_id = ${tenantId} AND id = ${playerId}
    `);
    const explain = async (lookup: string, query: ReturnType<typeof sql.unsafe>): Promise<Plan> => {
      const lines = await pool.transaction(async (tx) => {
        const rows = await tx.anyFirst(
          sql.type(z.object({ 'QUERY PLAN': z.string() }))`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${query}`,
        );
        // Row locks taken while explaining must not outlive it.
        await tx.query(sql.unsafe`ROLLBACK AND CHAIN`);
        return rows;
      });
      return { lookup, plan: lines.join('\n').replaceAll(token, '<token>') };
    };
    return [
      await explain(
        'family link: token → club → contract (src/family/store.ts, sql/lock_offered_contract)',
        sql.unsafe`
          SELECT players.id FROM contract_links
          JOIN players ON players.tenant_id = contract_links.tenant_id AND players.id = contract_links.player_id
            AND players.contract_token = contract_links.token
          WHERE contract_links.token = ${token}`,
      ),
      await explain(
        'family link: replaced? (its routed player by key, and superseded_contract_tokens by club and token)',
        sql.unsafe`
          SELECT
            EXISTS (SELECT 1 FROM players WHERE tenant_id = ${tenantId} AND id = ${playerId}),
            EXISTS (SELECT 1 FROM superseded_contract_tokens WHERE tenant_id = ${tenantId} AND token = ${token})`,
      ),
      await explain(
        'offer: the player row lock (sql/offer_contract)',
        sql.unsafe`SELECT * FROM players WHERE tenant_id = ${tenantId} AND id = ${playerId} FOR UPDATE`,
      ),
      await explain(
        'list: one page of the unsigned contracts (src/contracts/store.ts listContracts)',
        sql.unsafe`
          SELECT id FROM players
          WHERE tenant_id = ${tenantId} AND contract_status = ANY(${sql.array(['offered'], 'text')}) AND id > ${playerId}
          ORDER BY id LIMIT 51`,
      ),
      await explain(
        'history: a player’s audit rows, newest first (src/contracts/history-store.ts)',
        sql.unsafe`
          SELECT id, ts, event_type FROM contract_audit_log
          WHERE tenant_id = ${tenantId} AND player_id = ${playerId} ORDER BY id DESC`,
      ),
    ];
  } finally {
    await pool.end();
  }
}
