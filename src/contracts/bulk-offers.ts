import { type CommonQueryMethods, type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import { CONTRACT_STATUSES, type ContractStatus } from '../../machines/contract.ts';
import { sourceStates } from '../../machines/evaluate.ts';
import { type IdempotencyClaim, claimArgument } from '../admin/idempotency-store.ts';
import { offer } from './store.ts';

// The season at once (docs/PRODUCT.md, "The season at once"): many OFFERs in one request, each its
// own transition with the single offer's rules, answered row by row.

/** The most players one request offers to (given or selected): more is 422 too_many_players. */
export const MAX_BULK_OFFERS = 1_000;

export interface BulkOfferItem {
  readonly player_id: number;
  readonly monthly_fee: number;
  readonly target_team_id: number | null;
}

/** What one row became: the offer's outcome, or the SQLSTATE that refused it. */
const bulkResult = z.object({
  player_id: z.number().int(),
  outcome: offer.optional(),
  sqlstate: z.string().optional(),
});
export type BulkResult = z.infer<typeof bulkResult>;

const bulkRow = z.object({ replayed: z.boolean(), results: z.array(bulkResult) });

/**
 * The whole request in one round trip: sql/offer_contracts, each row with the machine's judgement
 * of its own OFFER event (the states it takes it from), under an Idempotency-Key when given.
 */
export async function offerContracts(
  db: CommonQueryMethods,
  request: {
    readonly tenantId: number;
    readonly offers: readonly BulkOfferItem[];
    readonly force: boolean;
    readonly actor: string;
  },
  idempotency: IdempotencyClaim | null,
): Promise<z.infer<typeof bulkRow>> {
  const offers = request.offers.map((item) => ({
    ...item,
    allowed_from: sourceStates({ type: 'OFFER', force: request.force, targetTeamId: item.target_team_id }),
  }));
  return db.one(sql.type(bulkRow)`
    SELECT * FROM offer_contracts(
      ${request.tenantId}, ${sql.jsonb(offers)}, ${request.force}, ${request.actor}, 'admin_api', ${claimArgument(idempotency)}
    )
  `);
}

/** The same call in a transaction that is rolled back: what would happen, with nothing kept and nothing sent. */
export async function dryRunOfferContracts(
  pool: DatabasePool,
  ...call: Parameters<typeof offerContracts> extends [unknown, ...infer Rest] ? Rest : never
): Promise<z.infer<typeof bulkRow>> {
  let answer: z.infer<typeof bulkRow> | undefined;
  await pool
    .transaction(async (transaction) => {
      answer = await offerContracts(transaction, ...call);
      throw new RolledBack();
    })
    .catch((error: unknown) => {
      if (!(error instanceof RolledBack)) throw error;
    });
  if (answer === undefined) throw new Error('the dry run answered nothing');
  return answer;
}

/** Thrown only to roll a dry run back. */
class RolledBack extends Error {}

/**
 * The club's players a `select` names, in player id order: of one team, in some states, or all.
 * At most MAX_BULK_OFFERS + 1 ids, enough to tell that there are too many.
 */
export async function selectPlayers(
  db: CommonQueryMethods,
  tenantId: number,
  select: { readonly team_id?: number | undefined; readonly status?: readonly ContractStatus[] | undefined },
): Promise<readonly number[]> {
  const team = select.team_id;
  const statuses = select.status ?? CONTRACT_STATUSES;
  return db.anyFirst(sql.type(z.object({ id: z.number().int() }))`
    SELECT players.id FROM players
    WHERE players.tenant_id = ${tenantId}
      AND players.contract_status = ANY(${sql.array(statuses, 'text')})
      AND (${team ?? null}::integer IS NULL OR EXISTS (
        SELECT 1 FROM player_teams
        WHERE player_teams.tenant_id = players.tenant_id AND player_teams.player_id = players.id AND player_teams.team_id = ${team ?? null}
      ))
    ORDER BY players.id
    LIMIT ${MAX_BULK_OFFERS + 1}
  `);
}
