import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { CONTRACT_STATUSES, type ContractStatus } from '../../machines/contract.ts';
import { teamIdsOfPlayer } from './players.ts';

const status = z.enum(CONTRACT_STATUSES);

const offerSubject = z.object({
  tenant_id: z.number(),
  // NULL exactly when the club has no such player: the column itself is NOT NULL.
  contract_status: status.nullable(),
  team_ids: z.array(z.number()).nullable(),
});

export type OfferSubject =
  | { readonly tenant: 'unknown' }
  | { readonly tenant: number; readonly player: 'unknown' }
  | { readonly tenant: number; readonly player: { readonly status: ContractStatus; readonly teamIds: number[] } };

/**
 * What the machine needs to judge an offer, read in one round trip together with the tenant: the
 * offer is the hot path, so it does not pay for a separate tenant lookup.
 */
export async function readOfferSubject(
  db: CommonQueryMethods,
  tenantSlug: string,
  playerId: number,
): Promise<OfferSubject> {
  const row = await db.maybeOne(sql.type(offerSubject)`
    SELECT tenants.id AS tenant_id,
           players.contract_status,
           CASE WHEN players.id IS NOT NULL THEN ${teamIdsOfPlayer} END AS team_ids
    FROM tenants
    LEFT JOIN players ON players.tenant_id = tenants.id AND players.id = ${playerId}
    WHERE tenants.slug = ${tenantSlug}
  `);
  if (row === null) return { tenant: 'unknown' };
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

const offerResult = z.object({
  previous_status: status,
  new_status: status,
  contract_token: z.string(),
  monthly_fee: z.number(),
  team_ids: z.array(z.number()),
  moved_teams: z.boolean(),
  archived: z.boolean(),
  audit_id: z.bigint().transform(Number).nullable(), // int8 arrives as a BigInt
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
