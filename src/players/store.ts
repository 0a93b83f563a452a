import { type CommonQueryMethods, type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import { CONTRACT_STATUSES, type ContractStatus } from '../../machines/contract.ts';
import { type IdempotencyClaim, claimArgument, replayed } from '../admin/idempotency-store.ts';

/** A player as the store reads it; the API shows `contract_url` instead of the token. */
export const playerRow = z.object({
  id: z.number().int(),
  name: z.string(),
  email: z.string(),
  team_ids: z.array(z.number().int()),
  contract_status: z.enum(CONTRACT_STATUSES),
  contract_token: z.string().nullable(),
  monthly_fee: z.number().int().nullable(),
  /** A date column, as slonik reads it: "YYYY-MM-DD". */
  birth_date: z.string().nullable(),
  /** sql/player_guardians: in list order. */
  guardians: z.array(z.object({ id: z.number().int(), name: z.string(), email: z.string(), language: z.string().nullable() })),
  /** The club's own id for the player (a roster import matches rows by it); null when it has none. */
  external_id: z.string().nullable(),
  /** The player's own language (docs/LANGUAGES.md), for an offer they sign themselves; null: none. */
  language: z.string().nullable(),
});
export type Player = z.infer<typeof playerRow>;

/** What the create and update functions answer: the player but their language, read beside it. */
const playerFunctionRow = playerRow.omit({ language: true });
export const createdPlayerRow = playerFunctionRow.merge(replayed);

/**
 * The rows of sql/create_player_with_guardians and sql/update_player_with_guardians, which this
 * release no longer calls: the release before it does during a rolling deploy (docs/OPERATING.md,
 * "A breaking change").
 */
export const playerRowBeforeExternalId = playerFunctionRow.omit({ external_id: true });
export const createdPlayerRowBeforeExternalId = playerRowBeforeExternalId.merge(replayed);

/** The rows of sql/create_player and sql/update_player, still installed for the release before that one. */
export const playerRowBeforeGuardians = playerRowBeforeExternalId.omit({ birth_date: true, guardians: true });
export const createdPlayerRowBeforeGuardians = playerRowBeforeGuardians.merge(replayed);

export interface Guardian {
  readonly name: string;
  readonly email: string;
  /** A language with a catalog; null or absent: none of their own. */
  readonly language?: string | null;
}

/** The columns of a player that every read answers with. */
const playerColumns = sql.fragment`
  id, name, email, contract_status, contract_token, monthly_fee, team_ids_of_player(players.tenant_id, players.id) AS team_ids,
  birth_date, player_guardians(players.tenant_id, players.id) AS guardians, external_id, language
`;

/** The player's current teams, as a column of a query over `players` (sql/team_ids_of_player.sql, whose plan each session keeps). */
export const teamIdsOfPlayer = sql.fragment`team_ids_of_player(players.tenant_id, players.id)`;

export interface NewPlayer {
  readonly name: string;
  readonly email: string;
  readonly teamIds: readonly number[];
  /** "YYYY-MM-DD"; null or absent: unknown. */
  readonly birthDate?: string | null;
  readonly guardians?: readonly Guardian[];
  /** The club's own id for the player; null or absent: none. */
  readonly externalId?: string | null;
  /** The player's own language; null or absent: none. */
  readonly language?: string | null;
}

const guardiansArgument = (guardians: readonly Guardian[] | undefined) =>
  guardians === undefined
    ? null
    : sql.jsonb(guardians.map(({ name, email, language }) => (language == null ? { name, email } : { name, email, language })));

/**
 * The player's language, in the caller's transaction: set to `language` when given
 * (sql/set_player_language), read as stored otherwise.
 */
async function languageOf(db: CommonQueryMethods, tenantId: number, playerId: number, language: string | null | undefined) {
  return db.oneFirst(sql.type(z.object({ language: z.string().nullable() }))`
    SELECT ${language === undefined ? sql.fragment`language FROM players WHERE tenant_id = ${tenantId} AND id = ${playerId}` : sql.fragment`set_player_language(${tenantId}, ${playerId}, ${language}) AS language`}
  `);
}

/**
 * sql/create_player_with_external_id, with or without an Idempotency-Key: a team that is not the
 * club's (a foreign-key violation), a refused birth date or guardian (INVAL) or an external_id
 * another of the club's players has (a unique violation) leaves no player behind.
 */
export async function createPlayer(
  db: CommonQueryMethods,
  tenantId: number,
  input: NewPlayer,
  idempotency: IdempotencyClaim | null = null,
): Promise<z.infer<typeof createdPlayerRow> & { language: string | null }> {
  return db.transaction(async (transaction) => {
    const created = await transaction.one(sql.type(createdPlayerRow)`
      SELECT * FROM create_player_with_external_id(
        ${tenantId}, ${input.name}, ${input.email}, ${sql.array(input.teamIds, 'int4')},
        ${input.birthDate ?? null}::date, ${guardiansArgument(input.guardians ?? [])}, ${input.externalId ?? null},
        ${claimArgument(idempotency)}
      )
    `);
    // A replay answers the player as the first request made them; their language is read as it is now.
    return {
      ...created,
      language: await languageOf(transaction, tenantId, created.id, created.replayed ? undefined : input.language),
    };
  });
}

export async function findPlayer(db: CommonQueryMethods, tenantId: number, playerId: number): Promise<Player | null> {
  return db.maybeOne(sql.type(playerRow)`
    SELECT ${playerColumns}
    FROM players
    WHERE tenant_id = ${tenantId} AND id = ${playerId}
  `);
}

export interface PlayerFilter {
  readonly teamId?: number;
  /** Any of these contract states. */
  readonly statuses?: readonly ContractStatus[];
  /** Name or e-mail contains this, case-insensitively; LIKE's wildcards in it match themselves. */
  readonly q?: string;
}

/** `%`, `_` and the escape character itself, escaped for LIKE (whose default escape is the backslash). */
export function likeContaining(text: string): string {
  return `%${text.replace(/[\\%_]/g, '\\$&')}%`;
}

/**
 * One page of a club's players matching `filter`, in id order, after `afterPlayerId`: the keyset
 * pagination of listContracts, walking players_pkey (tenant_id, id).
 */
export async function listPlayers(
  db: CommonQueryMethods,
  tenantId: number,
  filter: PlayerFilter,
  page: { readonly limit: number; readonly afterPlayerId: number },
): Promise<readonly Player[]> {
  const conditions = [sql.fragment`tenant_id = ${tenantId}`, sql.fragment`id > ${page.afterPlayerId}`];
  if (filter.statuses !== undefined) conditions.push(sql.fragment`contract_status = ANY(${sql.array(filter.statuses, 'text')})`);
  if (filter.teamId !== undefined) {
    conditions.push(sql.fragment`EXISTS (
      SELECT 1 FROM player_teams
      WHERE player_teams.tenant_id = players.tenant_id AND player_teams.player_id = players.id
        AND player_teams.team_id = ${filter.teamId}
    )`);
  }
  if (filter.q !== undefined) {
    const pattern = likeContaining(filter.q);
    conditions.push(sql.fragment`(name ILIKE ${pattern} OR email ILIKE ${pattern})`);
  }
  return db.any(sql.type(playerRow)`
    SELECT ${playerColumns}
    FROM players
    WHERE ${sql.join(conditions, sql.fragment` AND `)}
    ORDER BY id
    LIMIT ${page.limit}
  `);
}

export interface PlayerChanges {
  readonly name?: string;
  readonly email?: string;
  readonly teamIds?: readonly number[];
  /** "YYYY-MM-DD", null (unknown) or absent (unchanged). */
  readonly birthDate?: string | null;
  /** The whole new list; absent: unchanged. */
  readonly guardians?: readonly Guardian[];
  /** The club's own id for the player, null (none) or absent (unchanged). */
  readonly externalId?: string | null;
  /** The player's own language, null (none) or absent (unchanged). */
  readonly language?: string | null;
}

/**
 * sql/update_player_with_external_id, one round trip: player_not_found, validation_failed (a refused
 * birth date or guardian), team_not_found or team_change_needs_offer (a signed player's teams) come
 * back as its SQLSTATEs, external_id_taken as a unique violation, with nothing changed.
 */
export async function updatePlayer(
  db: CommonQueryMethods,
  tenantId: number,
  playerId: number,
  changes: PlayerChanges,
): Promise<Player> {
  return db.transaction(async (transaction) => {
    const updated = await transaction.one(sql.type(playerFunctionRow)`
      SELECT * FROM update_player_with_external_id(
        ${tenantId}, ${playerId}, ${changes.name ?? null}, ${changes.email ?? null},
        ${changes.teamIds === undefined ? null : sql.array(changes.teamIds, 'int4')},
        ${changes.birthDate !== undefined}, ${changes.birthDate ?? null}::date, ${guardiansArgument(changes.guardians)},
        ${changes.externalId !== undefined}, ${changes.externalId ?? null}
      )
    `);
    return { ...updated, language: await languageOf(transaction, tenantId, playerId, changes.language) };
  });
}

/** The fields of a player that a roster file may leave out: an update then keeps what the player has. */
export type OptionalImportField = 'team' | 'birth_date' | 'guardians';

/** One row of a roster file, read and checked, as sql/import_players takes it (docs/PRODUCT.md, "Roster import"). */
export type ImportRow = {
  /** The row's line in the file, for the answer. */
  readonly line: number;
  readonly external_id: string | null;
  readonly name: string;
  readonly email: string;
  /** A team's name: the club's, or one to create. */
  readonly team: string | null;
  /** "YYYY-MM-DD" or null (unknown). */
  readonly birth_date: string | null;
  readonly guardians: readonly { readonly name: string; readonly email: string }[];
};

export const IMPORT_ACTIONS = ['created', 'updated', 'unchanged'] as const;

/** The row of sql/import_players. */
export const importOutcome = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  teams_created: z.array(z.string()),
  rows: z.array(z.object({ line: z.number().int(), player_id: z.number().int(), action: z.enum(IMPORT_ACTIONS) })),
});
export type ImportOutcome = z.infer<typeof importOutcome>;

/**
 * sql/import_players: every row or none, in one call. `dryRun`: the same call inside a transaction
 * that is rolled back, so it answers exactly what the import would do (players, teams, every
 * refusal) and leaves nothing behind. import_invalid comes back as its SQLSTATE, with the rows it
 * names in its DETAIL.
 */
export async function importPlayers(
  pool: DatabasePool,
  tenantId: number,
  rows: readonly ImportRow[],
  columns: readonly OptionalImportField[],
  { dryRun }: { readonly dryRun: boolean },
): Promise<ImportOutcome> {
  const call = sql.type(importOutcome)`
    SELECT * FROM import_players(${tenantId}, ${sql.jsonb(rows)}, ${sql.array(columns, 'text')})
  `;
  if (!dryRun) return pool.one(call);
  try {
    return await pool.transaction(async (transaction) => {
      throw new DryRunDone(await transaction.one(call));
    });
  } catch (error) {
    if (!(error instanceof DryRunDone)) throw error;
    return error.outcome;
  }
}

/** Thrown only to roll back a dry run's transaction, carrying what the import would have done. */
class DryRunDone extends Error {
  constructor(readonly outcome: ImportOutcome) {
    super('a dry run is rolled back');
  }
}
