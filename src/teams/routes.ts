import { AppError } from '../errors.ts';
import { createTeam, findTeam, listTeams, updateTeam } from './store.ts';
import { json } from '../http/answer-content.ts';
import { teamListResponse, teamResponse, type TeamResponse, createTeamBody, teamPath, updateTeamBody } from './schemas.ts';
import { adminOperation, tenantOf } from '../admin/operation.ts';
import { claim, markReplay } from '../admin/idempotency.ts';

export const teamCreation = adminOperation({
  method: 'post',
  path: '/admin/teams',
  operationId: 'createTeam',
  summary: 'Add a team',
  body: { schema: createTeamBody },
  idempotent: true,
  answers: { 201: json(teamResponse, 'The team.') },
  errors: ['team_name_taken'],
  async handle(ctx, { caller: admin, body, idempotencyKey }, deps) {
    const tenantId = await tenantOf(deps, admin);
    const { replayed, ...created } = await createTeam(
      deps.pool,
      tenantId,
      body.name,
      claim(deps.idempotency, idempotencyKey, 'create_team', { name: body.name }),
    );
    markReplay(ctx, { replayed });
    ctx.status = 201;
    ctx.body = created satisfies TeamResponse;
  },
});

export const teamList = adminOperation({
  method: 'get',
  path: '/admin/teams',
  operationId: 'listTeams',
  summary: 'The club’s teams',
  answers: { 200: json(teamListResponse, 'All teams.') },
  async handle(ctx, { caller: admin }, deps) {
    ctx.body = { items: await listTeams(deps.pool, await tenantOf(deps, admin)) };
  },
});

export const team = adminOperation({
  method: 'get',
  path: '/admin/teams/{id}',
  operationId: 'getTeam',
  summary: 'One of the club’s teams',
  params: teamPath,
  answers: { 200: json(teamResponse, 'The team.') },
  errors: ['unknown_team'],
  notes: { unknown_team: 'the club has no team with this id' },
  async handle(ctx, { caller: admin, params: { id } }, deps) {
    const found = await findTeam(deps.pool, await tenantOf(deps, admin), id);
    if (found === null) throw new AppError('unknown_team');
    ctx.body = found satisfies TeamResponse;
  },
});

export const teamUpdate = adminOperation({
  method: 'patch',
  path: '/admin/teams/{id}',
  operationId: 'updateTeam',
  summary: 'Rename a team',
  params: teamPath,
  body: { schema: updateTeamBody },
  answers: { 200: json(teamResponse, 'The team after the change.') },
  errors: ['unknown_team', 'team_name_taken'],
  notes: {
    unknown_team: 'the club has no team with this id',
    team_name_taken: 'another of the club’s teams has this name',
  },
  async handle(ctx, { caller: admin, params: { id }, body }, deps) {
    const renamed = await updateTeam(deps.pool, await tenantOf(deps, admin), id, body.name);
    if (renamed === null) throw new AppError('unknown_team');
    ctx.body = renamed satisfies TeamResponse;
  },
});

/** The team operations, in the order /openapi.json lists them. */
export const TEAM_OPERATIONS = [teamCreation, teamList, team, teamUpdate] as const;
