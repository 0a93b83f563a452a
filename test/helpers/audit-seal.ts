import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { eventually } from './eventually.ts';

/** Audit rows chained per player (xact_id set), kept or removed with their player, that no checkpoint has sealed yet. */
export const unsealedRows = (pool: CommonQueryMethods) =>
  pool.oneFirst(sql.type(z.object({ count: z.number() }))`
    SELECT count(*)::integer AS count
    FROM (
      SELECT tenant_id, id FROM contract_audit_log WHERE xact_id IS NOT NULL
      UNION ALL
      SELECT tenant_id, id FROM contract_audit_log_removed WHERE xact_id IS NOT NULL
    ) AS audit
    LEFT JOIN (SELECT unnest(audit_ids) AS id, tenant_id FROM contract_audit_checkpoints) AS sealed
      ON sealed.tenant_id = audit.tenant_id AND sealed.id = audit.id
    WHERE sealed.id IS NULL
  `);

/**
 * Seals until every committed row is in a checkpoint, as the worker's sealer would in a few rounds.
 * Transaction ids are the cluster's, so another test database's open transaction can hold a seal's
 * horizon back for a moment: hence the rounds, not one call.
 */
export async function sealEverything(pool: CommonQueryMethods): Promise<void> {
  await eventually(
    'audit rows not yet sealed',
    async () => {
      await pool.query(sql.unsafe`SELECT seal_contract_audit()`);
      return unsealedRows(pool);
    },
    (count) => count === 0,
  );
}
