import fs from 'node:fs/promises';
import { type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import { createDatabasePool } from '../src/db/pool.ts';
import { createTeam } from '../src/teams/store.ts';

// The bench's data, loaded the way the service would write it: players inserted as any writer may
// (they start in `none` with no contract), and every contract made through offer_contract.

/** Tens of thousands of offers in one statement: far past the service's statement timeout. */
const openPool = (databaseUrl: string, connections = 1) =>
  createDatabasePool(databaseUrl, { maximumPoolSize: connections, statementTimeoutMs: 3_600_000 });

const count = z.object({ count: z.union([z.bigint(), z.number()]).transform(Number) });

export interface Club {
  readonly tenantId: number;
  readonly firstPlayerId: number;
}

/** A club of `players` players in `none`, with two teams when `team` names them. */
async function addClub(
  pool: DatabasePool,
  slug: string,
  players: number,
  team?: string,
): Promise<Club & { players: number; teamIds: [number, number] | null }> {
  const tenantId = await pool.oneFirst(
    sql.type(z.object({ id: z.number() }))`INSERT INTO tenants (slug, name) VALUES (${slug}, ${slug}) RETURNING id`,
  );
  const teamIds: [number, number] | null =
    team === undefined
      ? null
      : [(await createTeam(pool, tenantId, `${team} A`)).id, (await createTeam(pool, tenantId, `${team} B`)).id];
  const firstPlayerId = await pool.oneFirst(sql.type(z.object({ first: z.number() }))`
    WITH created AS (
      INSERT INTO players (tenant_id, name, email)
      SELECT ${tenantId}, 'Player ' || n, 'family' || n || '@example.test' FROM generate_series(1, ${players}) AS n
      RETURNING id
    ) SELECT min(id) AS first FROM created
  `);
  return { tenantId, firstPlayerId, players, teamIds };
}

/** Runs `work` on every item, two at a time: one per core, on a pool of two connections. */
async function onTwoConnections<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all([worker(), worker()]);
}

/** An open offer for every player of the clubs (into the club's first team, if it has teams). */
async function offerEveryone(pool: DatabasePool, clubs: ReadonlyArray<Awaited<ReturnType<typeof addClub>>>): Promise<void> {
  const chunk = 5_000;
  const chunks = clubs.flatMap((club) =>
    Array.from({ length: Math.ceil(club.players / chunk) }, (_, i) => ({
      ...club,
      from: club.firstPlayerId + i * chunk,
      to: Math.min(club.firstPlayerId + club.players, club.firstPlayerId + (i + 1) * chunk) - 1,
    })),
  );
  await onTwoConnections(chunks, ({ tenantId, teamIds, from, to }) =>
    pool.query(sql.unsafe`
      SELECT count(*) FROM players, offer_contract(${tenantId}, players.id, 150, ${teamIds?.[0] ?? null}, false, '{none}', 'seed', 'bench')
      WHERE players.tenant_id = ${tenantId} AND players.id BETWEEN ${from} AND ${to}
    `),
  );
}

/**
 * Clubs whose tenant ids follow one another, as do their players' ids, club after club: the k-th
 * club (from 0) is `firstTenantId + k` and its players are
 * `firstPlayerId + k * playersPerClub` … `firstPlayerId + (k + 1) * playersPerClub - 1`, so that
 * pgbench can tell each client its club and players by arithmetic alone.
 */
export interface ClubsInARow {
  readonly slugs: readonly string[];
  readonly firstTenantId: number;
  readonly firstPlayerId: number;
  readonly playersPerClub: number;
}

/** The clubs scenario's: one club, and as many players spread over `count` clubs. */
export interface OneClubAndMany {
  readonly oneClub: Club & { readonly slug: string; readonly players: number };
  readonly manyClubs: ClubsInARow;
}

export interface Seed extends Club {
  /** The second club's open offers' tokens, one per line, in random order: each sign uses one up. */
  readonly tokensFile: string;
  /** The soak's club, when asked for: players with an open offer in the first of two teams. */
  readonly soak: (Club & { readonly players: number; readonly teamIds: readonly [number, number] }) | null;
  readonly clubs: OneClubAndMany | null;
}

/** `count` clubs of `playersPerClub` players each, laid out as ClubsInARow says, or an error. */
async function addClubsInARow(pool: DatabasePool, slugPrefix: string, count: number, playersPerClub: number) {
  const clubs: Array<Awaited<ReturnType<typeof addClub>>> = [];
  for (let k = 1; k <= count; k += 1) clubs.push(await addClub(pool, `${slugPrefix}-${k}`, playersPerClub));
  const first = clubs[0] as (typeof clubs)[number];
  const inARow = clubs.every(
    (club, k) => club.tenantId === first.tenantId + k && club.firstPlayerId === first.firstPlayerId + k * playersPerClub,
  );
  // Ids come from sequences, so only another writer in the same database could break the row.
  if (!inARow) throw new Error(`the clubs ${slugPrefix}-* were not numbered one after another`);
  const layout: ClubsInARow = {
    slugs: clubs.map((_, k) => `${slugPrefix}-${k + 1}`),
    firstTenantId: first.tenantId,
    firstPlayerId: first.firstPlayerId,
    playersPerClub,
  };
  return { clubs, layout };
}

/**
 * The club the offers and lists run on (slug `bench`), the one whose links the signs use up
 * (`bench-sign`), the soak's (`bench-soak`), whose players move between two teams, and the clubs
 * scenario's: `bench-one-club`, with as many players as `bench-club-1` … `bench-club-<count>` together.
 */
export async function seedClubs(
  databaseUrl: string,
  sizes: {
    players: number;
    signOffers: number;
    soakPlayers: number;
    clubs: { count: number; playersPerClub: number } | null;
  },
  tokensFile: string,
): Promise<Seed> {
  const pool = await openPool(databaseUrl, 2);
  try {
    const club = await addClub(pool, 'bench', sizes.players);
    const signing = await addClub(pool, 'bench-sign', sizes.signOffers);
    const soaking = sizes.soakPlayers > 0 ? await addClub(pool, 'bench-soak', sizes.soakPlayers, 'Soak') : null;
    const oneClub =
      sizes.clubs === null ? null : await addClub(pool, 'bench-one-club', sizes.clubs.count * sizes.clubs.playersPerClub);
    const manyClubs =
      sizes.clubs === null ? null : await addClubsInARow(pool, 'bench-club', sizes.clubs.count, sizes.clubs.playersPerClub);
    await offerEveryone(pool, [
      club,
      signing,
      ...(soaking === null ? [] : [soaking]),
      ...(oneClub === null ? [] : [oneClub]),
      ...(manyClubs?.clubs ?? []),
    ]);
    const tokens = await pool.anyFirst(sql.type(z.object({ contract_token: z.string() }))`
      SELECT contract_token FROM players WHERE tenant_id = ${signing.tenantId} ORDER BY random()
    `);
    await fs.writeFile(tokensFile, tokens.join('\n'));
    const soak: Seed['soak'] = soaking === null ? null : { ...soaking, teamIds: soaking.teamIds as [number, number] };
    await pool.query(sql.unsafe`VACUUM ANALYZE`);
    const clubs: Seed['clubs'] =
      oneClub === null || manyClubs === null
        ? null
        : { oneClub: { ...oneClub, slug: 'bench-one-club' }, manyClubs: manyClubs.layout };
    return { tenantId: club.tenantId, firstPlayerId: club.firstPlayerId, tokensFile, soak, clubs };
  } finally {
    await pool.end();
  }
}

export interface ScaleTarget {
  readonly clubs: number;
  readonly players: number;
  readonly auditRows: number;
}

export interface ScaleLoad extends ScaleTarget {
  /** Wall time of each step, in seconds. */
  readonly steps: ReadonlyArray<{ readonly step: string; readonly seconds: number }>;
}

/**
 * Grows the database to `target` clubs, players and audit rows beside the bench's clubs, on two
 * connections (two cores). Clubs and players are inserted as any writer may; every new player is
 * offered through offer_contract (its token, link, e-mail and job, as the service writes them).
 * The audit rows are a history of re-offers inserted through the table's triggers, so each is
 * chained onto its club's previous row and hashed by the database exactly as a transition's row;
 * a club's rows go in batches of a few hundred per transaction, because each row updates the
 * club's chain head and a long transaction would make every later row walk all those versions.
 * The tokens those past re-offers replaced are not recreated: the link tables hold the offers
 * actually made.
 */
export async function loadScale(databaseUrl: string, target: ScaleTarget, log: (line: string) => void): Promise<ScaleLoad> {
  const pool = await openPool(databaseUrl, 2);
  const steps: Array<{ step: string; seconds: number }> = [];
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    log(`  ${step}…`);
    const started = Date.now();
    const result = await work();
    steps.push({ step, seconds: (Date.now() - started) / 1000 });
    return result;
  };
  try {
    const have = async () => ({
      clubs: await pool.oneFirst(sql.type(count)`SELECT count(*) FROM tenants`),
      players: await pool.oneFirst(sql.type(count)`SELECT count(*) FROM players`),
      auditRows: await pool.oneFirst(sql.type(count)`SELECT count(*) FROM contract_audit_log`),
    });
    const before = await have();
    const newClubs = Math.max(1, target.clubs - before.clubs);
    const perClub = Math.max(1, Math.ceil((target.players - before.players) / newClubs));
    const tenantIds = await timed(`${newClubs} clubs`, () =>
      pool.anyFirst(sql.type(z.object({ id: z.number() }))`
        INSERT INTO tenants (slug, name)
        SELECT 'scale-' || n, 'Scale club ' || n FROM generate_series(1, ${newClubs}) AS n
        RETURNING id
      `),
    );
    const first = Math.min(...tenantIds);
    const last = Math.max(...tenantIds);
    await timed(`${(newClubs * perClub).toLocaleString('en')} players`, () =>
      pool.query(sql.unsafe`
        INSERT INTO players (tenant_id, name, email)
        SELECT tenants.id, 'Player ' || n, 'family' || n || '@example.test'
        FROM tenants, generate_series(1, ${perClub}) AS n
        WHERE tenants.id BETWEEN ${first} AND ${last}
      `),
    );
    // The new clubs in batches of 25, shared by the two connections.
    const batches: Array<[number, number]> = [];
    for (let from = first; from <= last; from += 25) batches.push([from, Math.min(last, from + 24)]);
    await timed('an offer for each new player, through offer_contract', () =>
      onTwoConnections(batches, ([from, to]) =>
        pool.query(sql.unsafe`
          SELECT count(*) FROM players, offer_contract(players.tenant_id, players.id, 150, NULL, false, '{none}', 'seed', 'bench')
          WHERE players.tenant_id BETWEEN ${from} AND ${to}
        `),
      ),
    );
    const rowsToAdd = Math.max(0, target.auditRows - before.auditRows);
    const rounds = Math.ceil(rowsToAdd / (newClubs * perClub));
    await timed(`${rowsToAdd.toLocaleString('en')} audit rows through the chain trigger`, async () => {
      for (let round = 0; round < rounds; round += 1) {
        // The last round fills in only what is left: one row for the first players of each club.
        const left = rowsToAdd - round * newClubs * perClub;
        const perClubThisRound = Math.min(perClub, Math.ceil(left / newClubs));
        await onTwoConnections(batches, ([from, to]) =>
          pool.query(sql.unsafe`
            INSERT INTO contract_audit_log (tenant_id, player_id, event_type, old_state, new_state, actor, source, ts)
            SELECT players.tenant_id, players.id, 're_offer', snapshot, snapshot, 'scale@example.test', 'admin_api',
                   now() - make_interval(days => ${rounds - round}) + players.id * interval '1 ms'
            FROM (
              SELECT players.*, row_number() OVER (PARTITION BY tenant_id ORDER BY id) AS nth
              FROM players WHERE tenant_id BETWEEN ${from} AND ${to}
            ) AS players,
            LATERAL (SELECT jsonb_build_object(
              'contract_status', players.contract_status, 'contract_token', players.contract_token,
              'monthly_fee', players.monthly_fee, 'contract_offered_at', players.contract_offered_at,
              'contract_offered_by', players.contract_offered_by, 'contract_signed_at', NULL, 'contract_signed_by', NULL,
              'contract_signed_ip', NULL, 'contract_signature_url', NULL, 'contract_version', NULL,
              'contract_declined_at', NULL, 'contract_terms_version', NULL, 'contract_terms_sha256', NULL,
              'team_ids', '[]'::jsonb) AS snapshot) AS built
            WHERE players.nth <= ${perClubThisRound}
            ORDER BY players.tenant_id, players.id
          `),
        );
        log(`    round ${round + 1} of ${rounds}`);
      }
    });
    await timed('VACUUM ANALYZE', () => pool.query(sql.unsafe`VACUUM ANALYZE`));
    const after = await have();
    return { ...after, steps };
  } finally {
    await pool.end();
  }
}
