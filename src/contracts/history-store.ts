import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { AUDIT_EVENT_TYPES, CONTRACT_STATUSES } from '../../machines/contract.ts';
import { teamIdsOfPlayer } from '../players/store.ts';

/** A player's contract as its columns hold it (the answer shows the family's link instead of the token: schemas.ts). */
export const currentContract = z.object({
  status: z.enum(CONTRACT_STATUSES),
  contract_token: z.string().nullable(),
  monthly_fee: z.number().int().nullable(),
  team_ids: z.array(z.number().int()),
  contract_offered_at: z.number().nullable(),
  contract_offered_by: z.string().nullable(),
  contract_signed_at: z.number().nullable(),
  contract_signed_by: z.string().nullable(),
  contract_declined_at: z.number().nullable(),
  contract_version: z.string().nullable(),
  contract_terms_version: z.number().int().nullable(),
  contract_terms_sha256: z.string().nullable(),
});

/** One audit row about the contract. */
export const auditEntry = z.object({
  id: z.bigint().transform(Number),
  ts: z.number(),
  event_type: z.enum(AUDIT_EVENT_TYPES),
  old_state: z.record(z.unknown()),
  new_state: z.record(z.unknown()),
  actor: z.string(),
  source: z.string(),
});

export type ContractHistory = z.infer<typeof currentContract> & { history: Array<z.infer<typeof auditEntry>> };

/** A player's current contract and every audit row about it, newest first; null if not the club's. */
export async function readContractHistory(
  db: CommonQueryMethods,
  tenantId: number,
  playerId: number,
): Promise<ContractHistory | null> {
  const contract = await db.maybeOne(sql.type(currentContract)`
    SELECT contract_status AS status, contract_token, monthly_fee, ${teamIdsOfPlayer} AS team_ids,
           contract_offered_at, contract_offered_by, contract_signed_at, contract_signed_by, contract_declined_at,
           contract_version,
           contract_terms_version, encode(contract_terms_sha256, 'hex') AS contract_terms_sha256
    FROM players WHERE tenant_id = ${tenantId} AND id = ${playerId}
  `);
  if (contract === null) return null;
  const history = await db.any(sql.type(auditEntry)`
    SELECT id, ts, event_type, old_state, new_state, actor, source
    FROM contract_audit_log WHERE tenant_id = ${tenantId} AND player_id = ${playerId}
    ORDER BY id DESC
  `);
  return { ...contract, history: [...history] };
}
