import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { type IdempotencyClaim, claimArgument, replayed } from '../admin/idempotency-store.ts';

/** A team as the API answers it. */
export const team = z.object({ id: z.number().int(), name: z.string() });
export type Team = z.infer<typeof team>;

export const createdTeamRow = team.merge(replayed);

/** sql/create_team, with or without an Idempotency-Key: a name the club already uses is a teams_name_unique violation. */
export async function createTeam(
  db: CommonQueryMethods,
  tenantId: number,
  name: string,
  idempotency: IdempotencyClaim | null = null,
): Promise<z.infer<typeof createdTeamRow>> {
  return db.one(sql.type(createdTeamRow)`SELECT * FROM create_team(${tenantId}, ${name}, ${claimArgument(idempotency)})`);
}

/** One of the club's teams; null when the club has none with this id (another club's included). */
export async function findTeam(db: CommonQueryMethods, tenantId: number, teamId: number): Promise<Team | null> {
  return db.maybeOne(sql.type(team)`SELECT id, name FROM teams WHERE tenant_id = ${tenantId} AND id = ${teamId}`);
}

export async function listTeams(db: CommonQueryMethods, tenantId: number): Promise<readonly Team[]> {
  return db.any(sql.type(team)`SELECT id, name FROM teams WHERE tenant_id = ${tenantId} ORDER BY id`);
}

/** sql/update_team: the renamed team, or null when the club has no such team. */
export async function updateTeam(db: CommonQueryMethods, tenantId: number, teamId: number, name: string): Promise<Team | null> {
  return db.maybeOne(sql.type(team)`SELECT * FROM update_team(${tenantId}, ${teamId}, ${name})`);
}
