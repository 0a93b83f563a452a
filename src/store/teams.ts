import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';

const team = z.object({ id: z.number(), name: z.string() });
export type Team = z.infer<typeof team>;

export async function createTeam(db: CommonQueryMethods, tenantId: number, name: string): Promise<Team> {
  return db.one(sql.type(team)`
    INSERT INTO teams (tenant_id, name) VALUES (${tenantId}, ${name})
    RETURNING id, name
  `);
}

export async function listTeams(db: CommonQueryMethods, tenantId: number): Promise<readonly Team[]> {
  return db.any(sql.type(team)`SELECT id, name FROM teams WHERE tenant_id = ${tenantId} ORDER BY id`);
}
