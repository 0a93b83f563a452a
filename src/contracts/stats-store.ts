import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import * as machine from '../../machines/contract.ts';
import { AUDIT_EVENT_TYPES, type AuditEventType, CONTRACT_STATUSES, type ContractStatus } from '../../machines/contract.ts';
import { contractRules } from '../db/contract-rules.ts';

export interface ContractStats {
  /** Players in each state now. */
  readonly states: Record<ContractStatus, number>;
  /** Audit events in the window. */
  readonly events: Record<AuditEventType, number>;
  /** How many times each transition happened in the window. */
  readonly transitions: Array<{ readonly from: string; readonly event: string; readonly to: string; readonly count: number }>;
}

/**
 * Transitions in a window, from the audit log and the offer e-mails: every transition but an OFFER
 * from a state without an open offer writes an audit row (old and new state name its edge); those
 * offers are the offer messages queued without a re_offer or tier_change row in the same
 * transaction, and they start from the state of the player's last audit row before them, or none.
 */
const transitionCounts = z.object({ from: z.string(), audit_event: z.string().nullable(), to: z.string(), count: z.number() });

const counts = z.object({
  states: z.record(z.number()).nullable(),
  events: z.record(z.number()).nullable(),
});

/** The machine event each audit event type records, read once from the rules. */
const EVENT_OF_AUDIT = new Map(
  contractRules(machine).transitions.flatMap((row) => (row.auditEvent === null ? [] : [[row.auditEvent, row.event] as const])),
);

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
  const transitions = await db.any(sql.type(transitionCounts)`
    SELECT old_state->>'contract_status' AS "from", event_type AS audit_event, new_state->>'contract_status' AS "to", count(*)::integer AS count
    FROM contract_audit_log
    WHERE tenant_id = ${tenantId} AND ts >= ${window.since}::timestamptz AND ts < ${window.until}::timestamptz
      AND event_type NOT IN ('admin_override', 'receipt')
    GROUP BY 1, 2, 3
    UNION ALL
    SELECT coalesce(previous.state, 'none'), NULL, 'offered', count(*)::integer
    FROM contract_messages AS offer
    LEFT JOIN LATERAL (
      SELECT audit.new_state->>'contract_status' AS state FROM contract_audit_log AS audit
      WHERE audit.tenant_id = offer.tenant_id AND audit.player_id = offer.player_id AND audit.ts < offer.created_at
      ORDER BY audit.id DESC LIMIT 1
    ) AS previous ON true
    WHERE offer.tenant_id = ${tenantId} AND offer.kind = 'offer'
      AND offer.created_at >= ${window.since}::timestamptz AND offer.created_at < ${window.until}::timestamptz
      AND NOT EXISTS (
        SELECT 1 FROM contract_audit_log AS audited
        WHERE audited.tenant_id = offer.tenant_id AND audited.player_id = offer.player_id AND audited.ts = offer.created_at
          AND audited.event_type IN ('re_offer', 'tier_change')
      )
    GROUP BY 1
  `);
  const eventOf = (auditEvent: string | null) => (auditEvent === null ? 'OFFER' : (EVENT_OF_AUDIT.get(auditEvent) ?? auditEvent));
  return {
    transitions: transitions.map((row) => ({ from: row.from, event: eventOf(row.audit_event), to: row.to, count: row.count })),
    states: Object.fromEntries(CONTRACT_STATUSES.map((state) => [state, row.states?.[state] ?? 0])) as ContractStats['states'],
    events: Object.fromEntries(AUDIT_EVENT_TYPES.map((event) => [event, row.events?.[event] ?? 0])) as ContractStats['events'],
  };
}
