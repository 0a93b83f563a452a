import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { CONTRACT_STATUSES } from '../../machines/contract.ts';

const player = z.object({
  id: z.number(),
  name: z.string(),
  email: z.string(),
  team_ids: z.array(z.number()),
  contract_status: z.enum(CONTRACT_STATUSES),
  contract_token: z.string().nullable(),
  monthly_fee: z.number().nullable(),
});
export type Player = z.infer<typeof player>;

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

/** One statement, so a team that is not the club's (a foreign-key violation) leaves no player behind. */
export async function createPlayer(db: CommonQueryMethods, tenantId: number, input: NewPlayer): Promise<Player> {
  return db.one(sql.type(player)`
    WITH created AS (
      INSERT INTO players (tenant_id, name, email) VALUES (${tenantId}, ${input.name}, ${input.email})
      RETURNING *
    ), joined AS (
      INSERT INTO player_teams (tenant_id, player_id, team_id)
      SELECT created.tenant_id, created.id, team_id
      FROM created, unnest(${sql.array(input.teamIds, 'int4')}) AS team_id
      RETURNING team_id
    )
    SELECT id, name, email, contract_status, contract_token, monthly_fee,
           ARRAY(SELECT team_id FROM joined ORDER BY team_id) AS team_ids
    FROM created
  `);
}

export async function findPlayer(db: CommonQueryMethods, tenantId: number, playerId: number): Promise<Player | null> {
  return db.maybeOne(sql.type(player)`
    SELECT id, name, email, contract_status, contract_token, monthly_fee, ${teamIdsOfPlayer} AS team_ids
    FROM players
    WHERE tenant_id = ${tenantId} AND id = ${playerId}
  `);
}
