import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { AUDIT_EVENT_TYPES, type AuditEventType, CONTRACT_STATUSES, type ContractStatus } from '../../machines/contract.ts';

export interface ContractStats {
  /** Players in each state now. */
  readonly states: Record<ContractStatus, number>;
  /** Audit events in the window. */
  readonly events: Record<AuditEventType, number>;
}

const counts = z.object({
  states: z.record(z.number()).nullable(),
  events: z.record(z.number()).nullable(),
});

/** One club's players per state, and its audit events per type in [since, until). */
export async function readContractStats(
  db: CommonQueryMethods,
  tenantId: number,
  window: { readonly since: string; readonly until: string },
): Promise<ContractStats> {
  const row = await db.one(sql.type(counts)`
    SELECT
      (SELECT jsonb_object_agg(contract_status, n) FROM (
        SELECT contract_status, count(*) AS n FROM players WHERE tenant_id = ${tenantId} GROUP BY contract_status
      ) AS by_state) AS states,
      (SELECT jsonb_object_agg(event_type, n) FROM (
        SELECT event_type, count(*) AS n FROM contract_audit_log
        WHERE tenant_id = ${tenantId} AND ts >= ${window.since}::timestamptz AND ts < ${window.until}::timestamptz
        GROUP BY event_type
      ) AS by_event) AS events
  `);
  return {
    states: Object.fromEntries(CONTRACT_STATUSES.map((state) => [state, row.states?.[state] ?? 0])) as ContractStats['states'],
    events: Object.fromEntries(AUDIT_EVENT_TYPES.map((event) => [event, row.events?.[event] ?? 0])) as ContractStats['events'],
  };
}
