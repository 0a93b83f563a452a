import { AppError, toAppError } from '../errors.ts';
import { createPlayer, findPlayer, importPlayers, listPlayers, updatePlayer } from './store.ts';
import { type RosterFile, type RosterProblem, readRosterFile } from './roster-file.ts';
import { json } from '../http/answer-content.ts';
import { decodeCursor, encodeCursor } from '../http/cursor.ts';
import {
  playerResponse,
  playerListResponse,
  type PlayerListResponse,
  createPlayerBody,
  importQuery,
  importResponse,
  listPlayersQuery,
  playerPath,
  rosterFile,
  updatePlayerBody,
} from './schemas.ts';
import { type AdminRouteDependencies, adminOperation, tenantOf } from '../admin/operation.ts';
import { claim, markReplay } from '../admin/idempotency.ts';
import { playerView } from '../admin/views.ts';

export const playerCreation = adminOperation({
  method: 'post',
  path: '/admin/players',
  operationId: 'createPlayer',
  summary: 'Add a player',
  body: { schema: createPlayerBody },
  idempotent: true,
  answers: { 201: json(playerResponse, 'The player.') },
  errors: ['team_not_found', 'external_id_taken'],
  notes: { external_id_taken: 'another player of the club has this `external_id`' },
  async handle(ctx, { caller: admin, body, idempotencyKey }, deps) {
    const tenantId = await tenantOf(deps, admin);
    const birthDate = body.birth_date ?? null;
    const externalId = body.external_id ?? null;
    const created = await createPlayer(
      deps.pool,
      tenantId,
      {
        name: body.name,
        email: body.email,
        teamIds: body.team_ids,
        birthDate,
        guardians: body.guardians,
        externalId,
        language: body.language ?? null,
      },
      // A request without a birth date, guardians or external_id hashes as the releases before this
      // one hashed it, so a retry across a rolling deploy still replays the first outcome.
      claim(deps.idempotency, idempotencyKey, 'create_player', {
        name: body.name,
        email: body.email,
        team_ids: body.team_ids,
        ...(birthDate === null ? {} : { birth_date: birthDate }),
        ...(body.guardians.length === 0
          ? {}
          : {
              guardians: body.guardians.map(({ name, email, language }) =>
                language == null ? { name, email } : { name, email, language },
              ),
            }),
        ...(externalId === null ? {} : { external_id: externalId }),
        ...(body.language == null ? {} : { language: body.language }),
      }),
    );
    markReplay(ctx, created);
    ctx.status = 201;
    ctx.body = playerView(deps.contractBaseUrl, created);
  },
});

export const player = adminOperation({
  method: 'get',
  path: '/admin/players/{id}',
  operationId: 'getPlayer',
  summary: 'A player',
  params: playerPath,
  answers: { 200: json(playerResponse, 'The player.') },
  errors: ['player_not_found'],
  async handle(ctx, { caller: admin, params: { id } }, deps) {
    const found = await findPlayer(deps.pool, await tenantOf(deps, admin), id);
    if (found === null) throw new AppError('player_not_found');
    ctx.body = playerView(deps.contractBaseUrl, found);
  },
});

export const playerList = adminOperation({
  method: 'get',
  path: '/admin/players',
  operationId: 'listPlayers',
  summary: 'The club’s players, filtered by team, contract state or text, by keyset pages',
  query: listPlayersQuery,
  answers: { 200: json(playerListResponse, 'One page.') },
  notes: { validation_failed: 'a cursor this service did not hand out included, with zod’s issues in `details`' },
  async handle(ctx, { caller: admin, query }, deps) {
    const rows = await listPlayers(
      deps.pool,
      await tenantOf(deps, admin),
      { teamId: query.team_id, statuses: query.status, q: query.q },
      { limit: query.limit + 1, afterPlayerId: decodeCursor(query.cursor) }, // one more tells whether another page exists
    );
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    ctx.body = {
      items: items.map((row) => playerView(deps.contractBaseUrl, row)),
      next_cursor: rows.length > query.limit && last !== undefined ? encodeCursor(last.id) : null,
    } satisfies PlayerListResponse;
  },
});

export const playerUpdate = adminOperation({
  method: 'patch',
  path: '/admin/players/{id}',
  operationId: 'updatePlayer',
  summary: 'Change a player’s name, e-mail, teams, birth date, guardians or external_id',
  description:
    'Give at least one field. A new e-mail sends nothing by itself: the next reminder goes to it. A signed player’s ' +
    'teams change only by a tier-change offer (POST /admin/contract/offer with `target_team_id`). `guardians` replaces ' +
    'the whole list; a list changed while an offer is open applies from the next offer.',
  params: playerPath,
  body: { schema: updatePlayerBody },
  answers: { 200: json(playerResponse, 'The player after the change. Nothing changes unless the answer is 200.') },
  errors: ['player_not_found', 'team_change_needs_offer', 'team_not_found', 'external_id_taken'],
  notes: {
    external_id_taken: 'another player of the club has this `external_id`',
    player_not_found: 'also for another club’s player',
    team_change_needs_offer: 'the player has a signed contract and `team_ids` changes their teams',
    team_not_found: 'a team in `team_ids` is not the club’s',
  },
  async handle(ctx, { caller: admin, params: { id }, body }, deps) {
    const updated = await updatePlayer(deps.pool, await tenantOf(deps, admin), id, {
      name: body.name,
      email: body.email,
      teamIds: body.team_ids,
      birthDate: body.birth_date,
      guardians: body.guardians ?? undefined,
      externalId: body.external_id,
      language: body.language,
    });
    ctx.body = playerView(deps.contractBaseUrl, updated);
  },
});

export const playerImport = adminOperation({
  method: 'post',
  path: '/admin/players/import',
  operationId: 'importPlayers',
  summary: 'Add and update the club’s players from a roster file (CSV)',
  description:
    'Each row creates a player, or updates the club’s player whose `external_id` it gives; a `team` the club does not ' +
    'have is created. Every row or none: a file with any row that cannot be imported answers 422 `import_invalid` ' +
    'listing every line to fix, and writes nothing. `dry_run=true` answers the same and writes nothing either way ' +
    '(docs/PRODUCT.md, "Roster import").',
  query: importQuery,
  body: { schema: rosterFile, mediaType: 'text/csv', limit: '2mb' },
  answers: {
    200: json(importResponse, 'What the import did, row by row; with `dry_run=true`, what it would do (nothing is written).'),
  },
  errors: ['import_invalid'],
  notes: {
    import_invalid:
      'the header or a row cannot be imported as it stands (a bad value, an external_id on two rows, a signed player’s ' +
      'team changed): `details` lists every line to fix as `[{line, column, message}]` (`column` null for the line as ' +
      'a whole); nothing was written',
    payload_too_large: 'the file is over 2 MB, or has more than 5,000 rows',
    unsupported_media_type: 'the body is not `text/csv`, or names a charset other than UTF-8',
    malformed_request: 'the body does not decode by its Content-Encoding',
  },
  async handle(ctx, { caller: admin, query, body }, deps) {
    const tenantId = await tenantOf(deps, admin);
    const file = readRosterFile(body);
    if (file.problems.length > 0) throw new AppError('import_invalid', { details: await everyProblem(deps, tenantId, file) });
    ctx.body = importResponse.parse(await importPlayers(deps.pool, tenantId, file.rows, file.fields, { dryRun: query.dry_run }));
  },
});

/**
 * A file with rows to fix names every one of them at once: its own problems, and those the database
 * finds in the rows that passed (a signed player's team), from a dry run of those rows.
 */
async function everyProblem(deps: AdminRouteDependencies, tenantId: number, file: RosterFile): Promise<readonly RosterProblem[]> {
  if (file.rows.length === 0) return file.problems;
  try {
    await importPlayers(deps.pool, tenantId, file.rows, file.fields, { dryRun: true });
    return file.problems;
  } catch (error) {
    const refusal = toAppError(error);
    if (refusal.code !== 'import_invalid' || !Array.isArray(refusal.details)) throw error;
    return [...file.problems, ...(refusal.details as RosterProblem[])].sort((a, b) => a.line - b.line);
  }
}

/** The player operations, in the order /openapi.json lists them. */
export const PLAYER_OPERATIONS = [playerCreation, player, playerList, playerUpdate, playerImport] as const;
