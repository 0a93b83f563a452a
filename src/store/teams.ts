import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';

export const teamRow = z.object({ id: z.number(), name: z.string() });
export type Team = z.infer<typeof teamRow>;

/** sql/create_team: a name the club already uses is a teams_name_unique violation. */
export async function createTeam(db: CommonQueryMethods, tenantId: number, name: string): Promise<Team> {
  return db.one(sql.type(teamRow)`SELECT * FROM create_team(${tenantId}, ${name})`);
}

export async function listTeams(db: CommonQueryMethods, tenantId: number): Promise<readonly Team[]> {
  return db.any(sql.type(teamRow)`SELECT id, name FROM teams WHERE tenant_id = ${tenantId} ORDER BY id`);
}
