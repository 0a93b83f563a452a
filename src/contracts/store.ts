import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { CONTRACT_STATUSES, type ContractStatus } from '../../machines/contract.ts';
import { sourceStates } from '../../machines/evaluate.ts';
import { type IdempotencyClaim, claimArgument, replayed } from '../admin/idempotency-store.ts';
import { teamIdsOfPlayer } from '../players/store.ts';
import { storedSigners } from '../signers/schemas.ts';

const status = z.enum(CONTRACT_STATUSES);

export interface OfferRequest {
  readonly tenantId: number;
  readonly playerId: number;
  readonly monthlyFee: number;
  readonly targetTeamId: number | null;
  readonly force: boolean;
  readonly actor: string;
  /**
   * The states the offer may start from. By default those the machine takes this OFFER from
   * (machines/evaluate.ts sourceStates); the function refuses any other, under the row lock.
   */
  readonly allowedFrom?: readonly ContractStatus[];
}

/** An offer's outcome as the API answers it (with the player and the link added: http/responses.ts). */
export const offer = z.object({
  previous_status: status,
  new_status: status,
  contract_token: z.string(),
  monthly_fee: z.number().int(),
  team_ids: z.array(z.number().int()),
  moved_teams: z.boolean(),
  archived: z.boolean(),
  audit_id: z.number().int().nullable(),
  /** Who made the offer: on a replay, who made the first request. */
  actor: z.string(),
  /** Who signs it, each with their own link (docs/PRODUCT.md, "Who signs"). */
  signers: storedSigners,
});

export type Offer = z.infer<typeof offer>;

// audit_id is a bigint column; its values fit a JSON number.
export const offerOutcome = offer.merge(replayed).extend({ audit_id: z.bigint().transform(Number).nullable() });
export type OfferOutcome = z.infer<typeof offerOutcome>;

/**
 * The whole OFFER transition in one round trip: one call of sql/offer_contract_with_signers, one statement, one
 * transaction, with or without an Idempotency-Key. The machine's judgement travels with it, so the
 * player's state is not read first.
 */
export async function offerContract(
  db: CommonQueryMethods,
  request: OfferRequest,
  idempotency: IdempotencyClaim | null = null,
): Promise<OfferOutcome> {
  const allowedFrom =
    request.allowedFrom ?? sourceStates({ type: 'OFFER', force: request.force, targetTeamId: request.targetTeamId });
  return db.one(sql.type(offerOutcome)`
    SELECT * FROM offer_contract_with_signers(
      ${request.tenantId}, ${request.playerId}, ${request.monthlyFee}, ${request.targetTeamId},
      ${request.force}, ${sql.array(allowedFrom, 'text')}, ${request.actor}, 'admin_api', ${claimArgument(idempotency)}
    )
  `);
}

/** A player in one of the listed states, as the list and its CSV export show it (with the link for the token: schemas.ts). */
export const listedContract = z.object({
  player_id: z.number().int(),
  name: z.string(),
  email: z.string(),
  status,
  monthly_fee: z.number().int().nullable(),
  team_ids: z.array(z.number().int()),
  contract_token: z.string().nullable(),
  contract_offered_at: z.number().nullable(),
  /** In the order of team_ids, so that the nth name is the nth id's. */
  team_names: z.array(z.string()),
  external_id: z.string().nullable(),
  /** The completing signature’s typed name; the offer clears it (sql/offer_contract_with_signers). */
  signed_by: z.string().nullable(),
  /** Set exactly while signed (the CHECK players_signed_has_signature). */
  signed_at: z.number().nullable(),
});
export type ListedContract = z.infer<typeof listedContract>;

/**
 * One page of a club's players in any of `statuses`, in player id order, after `afterPlayerId`.
 * `= ANY` is an index condition of players_by_contract_status (tenant_id, contract_status, id), but
 * that index gives its rows grouped by state, so the planner sorts them by id, or walks players_pkey
 * and filters, whichever costs less; the team names are read after the sort, for the page's rows
 * only. Measured in a club of 10,000 players on PostgreSQL 15 and 18: a page of 51 in about 2 ms,
 * of 1000 in under 20 ms, no slower than `contract_status = $1` over one state, so no new index.
 */
export async function listContracts(
  db: CommonQueryMethods,
  tenantId: number,
  statuses: readonly ContractStatus[],
  page: { readonly limit: number; readonly afterPlayerId: number },
): Promise<readonly ListedContract[]> {
  return db.any(sql.type(listedContract)`
    SELECT id AS player_id, name, email, contract_status AS status, monthly_fee,
           ${teamIdsOfPlayer} AS team_ids, contract_token, contract_offered_at,
           ARRAY(
             SELECT teams.name FROM player_teams
             JOIN teams ON teams.tenant_id = player_teams.tenant_id AND teams.id = player_teams.team_id
             WHERE player_teams.tenant_id = players.tenant_id AND player_teams.player_id = players.id
             ORDER BY player_teams.team_id
           ) AS team_names,
           external_id, contract_signed_by AS signed_by, contract_signed_at AS signed_at
    FROM players
    WHERE tenant_id = ${tenantId} AND contract_status = ANY(${sql.array(statuses, 'text')}) AND id > ${page.afterPlayerId}
    ORDER BY id
    LIMIT ${page.limit}
  `);
}

/** A withdrawal's outcome as the API answers it (with the player added: http/responses.ts). */
export const withdrawal = z.object({
  previous_status: status,
  new_status: status,
  audit_id: z.number().int(),
  /** Who withdrew the offer: on a replay, who made the first request. */
  actor: z.string(),
});
export const withdrawalOutcome = withdrawal.merge(replayed).extend({ audit_id: z.bigint().transform(Number) });

/** The whole WITHDRAW transition in one round trip: one call of sql/withdraw_contract, with or without an Idempotency-Key. */
export async function withdrawContract(
  db: CommonQueryMethods,
  request: {
    readonly tenantId: number;
    readonly playerId: number;
    readonly reason: string;
    readonly actor: string;
    /** The states it may start from; by default those the machine takes WITHDRAW from. */
    readonly allowedFrom?: readonly ContractStatus[];
  },
  idempotency: IdempotencyClaim | null = null,
): Promise<z.infer<typeof withdrawalOutcome>> {
  const allowedFrom = request.allowedFrom ?? sourceStates({ type: 'WITHDRAW' });
  return db.one(sql.type(withdrawalOutcome)`
    SELECT * FROM withdraw_contract(
      ${request.tenantId}, ${request.playerId}, ${request.reason}, ${sql.array(allowedFrom, 'text')},
      ${request.actor}, 'admin_api', ${claimArgument(idempotency)}
    )
  `);
}

/** The EXPIRE transition at an offer's deadline: true when that very offer was still open and expired. */
export async function expireContract(
  db: CommonQueryMethods,
  tenantId: number,
  playerId: number,
  contractTokenSha256: Buffer,
): Promise<boolean> {
  return db.oneFirst(sql.type(z.object({ expired: z.boolean() }))`
    SELECT expire_contract(
      ${tenantId}, ${playerId}, ${sql.binary(contractTokenSha256)}, ${sql.array(sourceStates({ type: 'EXPIRE' }), 'text')}
    ) AS expired
  `);
}
