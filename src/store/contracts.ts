import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { CONTRACT_STATUSES, type ContractStatus } from '../../machines/contract.ts';
import { type IdempotentWrite, requestHash } from './idempotent-writes.ts';
import { teamIdsOfPlayer } from './players.ts';

const status = z.enum(CONTRACT_STATUSES);

const offerSubject = z.object({
  tenant_id: z.number(),
  // NULL exactly when the club has no such player: the column itself is NOT NULL.
  contract_status: status.nullable(),
  team_ids: z.array(z.number()).nullable(),
  stored_outcome: z.unknown(),
  same_request: z.boolean().nullable(),
});

/** An earlier offer made with the request's Idempotency-Key, still within its lifetime. */
export type EarlierOffer = { readonly sameRequest: false } | { readonly sameRequest: true; readonly outcome: unknown };

export type OfferSubject =
  | { readonly tenant: 'unknown' }
  | { readonly tenant: number; readonly earlier: EarlierOffer }
  | { readonly tenant: number; readonly player: 'unknown' }
  | { readonly tenant: number; readonly player: { readonly status: ContractStatus; readonly teamIds: number[] } };

/**
 * What the machine needs to judge an offer, read in one round trip together with the tenant: the
 * offer is the hot path, so it does not pay for a separate tenant lookup. With an Idempotency-Key,
 * the same read finds an earlier offer made with it, which is answered again instead of judged:
 * the machine would refuse the retry of an offer that already went through.
 */
export async function readOfferSubject(
  db: CommonQueryMethods,
  tenantSlug: string,
  playerId: number,
  idempotency: { readonly key: string; readonly write: IdempotentWrite } | null,
): Promise<OfferSubject> {
  const row = await db.maybeOne(sql.type(offerSubject)`
    SELECT tenants.id AS tenant_id,
           players.contract_status,
           CASE WHEN players.id IS NOT NULL THEN ${teamIdsOfPlayer} END AS team_ids,
           earlier.response AS stored_outcome,
           earlier.request_hash = ${idempotency === null ? null : sql.binary(requestHash(idempotency.write))}
             AS same_request
    FROM tenants
    LEFT JOIN players ON players.tenant_id = tenants.id AND players.id = ${playerId}
    LEFT JOIN idempotency_keys AS earlier
      ON earlier.tenant_id = tenants.id AND earlier.key = ${idempotency?.key ?? null} AND earlier.expires_at > now()
    WHERE tenants.slug = ${tenantSlug}
  `);
  if (row === null) return { tenant: 'unknown' };
  if (row.same_request !== null) {
    return {
      tenant: row.tenant_id,
      earlier: row.same_request ? { sameRequest: true, outcome: row.stored_outcome } : { sameRequest: false },
    };
  }
  if (row.contract_status === null) return { tenant: row.tenant_id, player: 'unknown' };
  return { tenant: row.tenant_id, player: { status: row.contract_status, teamIds: row.team_ids ?? [] } };
}

export interface OfferRequest {
  readonly tenantId: number;
  readonly playerId: number;
  readonly monthlyFee: number;
  readonly targetTeamId: number | null;
  readonly force: boolean;
  readonly actor: string;
}

export const offerResult = z.object({
  previous_status: status,
  new_status: status,
  contract_token: z.string(),
  monthly_fee: z.number(),
  team_ids: z.array(z.number()),
  moved_teams: z.boolean(),
  archived: z.boolean(),
  // int8 arrives as a BigInt from a row, as a number from a stored JSON outcome.
  audit_id: z.union([z.bigint(), z.number()]).transform(Number).nullable(),
});
export type OfferResult = z.infer<typeof offerResult>;

/** The whole OFFER transition: one call of sql/offer_contract, one statement, one transaction. */
export async function offerContract(db: CommonQueryMethods, request: OfferRequest): Promise<OfferResult> {
  return db.one(sql.type(offerResult)`
    SELECT * FROM offer_contract(
      ${request.tenantId}, ${request.playerId}, ${request.monthlyFee}, ${request.targetTeamId},
      ${request.force}, ${request.actor}, 'admin_api'
    )
  `);
}

const listedContract = z.object({
  player_id: z.number(),
  name: z.string(),
  email: z.string(),
  status,
  monthly_fee: z.number().nullable(),
  team_ids: z.array(z.number()),
  contract_token: z.string().nullable(),
  contract_offered_at: z.number().nullable(),
});
export type ListedContract = z.infer<typeof listedContract>;

/** One page of a club's players in one state, in player id order, after `afterPlayerId`. */
export async function listContracts(
  db: CommonQueryMethods,
  tenantId: number,
  contractStatus: ContractStatus,
  page: { readonly limit: number; readonly afterPlayerId: number },
): Promise<readonly ListedContract[]> {
  return db.any(sql.type(listedContract)`
    SELECT id AS player_id, name, email, contract_status AS status, monthly_fee,
           ${teamIdsOfPlayer} AS team_ids, contract_token, contract_offered_at
    FROM players
    WHERE tenant_id = ${tenantId} AND contract_status = ${contractStatus} AND id > ${page.afterPlayerId}
    ORDER BY id
    LIMIT ${page.limit}
  `);
}
