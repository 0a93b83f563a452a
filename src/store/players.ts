import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { CONTRACT_STATUSES } from '../../machines/contract.ts';
import { type IdempotencyClaim, claimArgument, replayed } from './idempotency.ts';

/** A player as the store reads it; the API shows `contract_url` instead of the token. */
export const playerRow = z.object({
  id: z.number().int(),
  name: z.string(),
  email: z.string(),
  team_ids: z.array(z.number().int()),
  contract_status: z.enum(CONTRACT_STATUSES),
  contract_token: z.string().nullable(),
  monthly_fee: z.number().int().nullable(),
});
export type Player = z.infer<typeof playerRow>;

const createdPlayer = playerRow.merge(replayed);

/** The player's current teams, as a column of a query over `players`. */
export const teamIdsOfPlayer = sql.fragment`
  ARRAY(
    SELECT team_id FROM player_teams
    WHERE player_teams.tenant_id = players.tenant_id AND player_teams.player_id = players.id
    ORDER BY team_id
  )
`;

export interface NewPlayer {
  readonly name: string;
  readonly email: string;
  readonly teamIds: readonly number[];
}

/**
 * sql/create_player, with or without an Idempotency-Key: a team that is not the club's (a
 * foreign-key violation) leaves no player behind.
 */
export async function createPlayer(
  db: CommonQueryMethods,
  tenantId: number,
  input: NewPlayer,
  idempotency: IdempotencyClaim | null = null,
): Promise<z.infer<typeof createdPlayer>> {
  return db.one(sql.type(createdPlayer)`
    SELECT * FROM create_player(
      ${tenantId}, ${input.name}, ${input.email}, ${sql.array(input.teamIds, 'int4')}, ${claimArgument(idempotency)}
    )
  `);
}

export async function findPlayer(db: CommonQueryMethods, tenantId: number, playerId: number): Promise<Player | null> {
  return db.maybeOne(sql.type(playerRow)`
    SELECT id, name, email, contract_status, contract_token, monthly_fee, ${teamIdsOfPlayer} AS team_ids
    FROM players
    WHERE tenant_id = ${tenantId} AND id = ${playerId}
  `);
}
