import { type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import { createDatabasePool } from '../../src/db/pool.ts';

// The data a rolling deploy finds: clubs of players with contracts in every state a family link
// can be in, written only through the previous release's own SQL functions (its schema is the one
// installed), so they are the rows that release would have written.

/** Players per club kept without a contract, for the offers of the load and the checks after it. */
const UNOFFERED = 400;
/** Players per club whose first link a forced re-offer replaced (their old link answers 410). */
const REPLACED = 200;
/** How many of a club's other players have signed; the rest have an open offer. */
const SIGNED_SHARE = 0.2;
/** Contracts per transaction: each writes an audit row that updates its club's chain head, and a long transaction makes every later update walk the versions before it. */
const BATCH = 500;

export interface DeployClub {
  readonly id: number;
  readonly slug: string;
  /** Players with no contract yet. */
  readonly unoffered: readonly number[];
  /** Open offers: the player and the link. */
  readonly open: ReadonlyArray<{ readonly playerId: number; readonly token: string }>;
  /** Links a forced re-offer replaced. */
  readonly replaced: readonly string[];
}

export interface DeployData {
  readonly clubs: readonly DeployClub[];
  readonly players: number;
  /** Players offered a contract, signed or not. */
  readonly contracts: number;
  readonly signatures: number;
}

/**
 * `players` players over `clubs` clubs (inserted as any writer may, as bench/seed.ts does), then
 * offers, signatures and forced re-offers through offer_contract and sign_contract, on two
 * connections (two cores), each taking whole clubs so that they never wait on a club's chain head.
 */
export async function loadDeployData(databaseUrl: string, sizes: { players: number; clubs: number }): Promise<DeployData> {
  // Hundreds of contracts in one statement: far past the service's statement timeout.
  const pool = await createDatabasePool(databaseUrl, { maximumPoolSize: 2, statementTimeoutMs: 3_600_000 });
  try {
    const perClub = Math.ceil(sizes.players / sizes.clubs);
    if (perClub < UNOFFERED + REPLACED + 10) throw new Error(`${sizes.players} players are too few for ${sizes.clubs} clubs`);
    const clubs: Array<{ id: number; slug: string; first: number }> = [];
    for (let n = 1; n <= sizes.clubs; n += 1) clubs.push(await addClub(pool, `deploy-check-${n}`, perClub));
    const ranges = clubs.map((club) => {
      const offered = club.first + UNOFFERED;
      const signedUpTo = offered + Math.floor((perClub - UNOFFERED) * SIGNED_SHARE);
      return { ...club, offered, signedUpTo, replacedUpTo: signedUpTo + REPLACED, last: club.first + perClub - 1 };
    });
    await onTwoConnections(ranges, async (club) => {
      for (const [from, to] of batches(club.offered, club.last)) {
        await pool.query(sql.unsafe`
          SELECT count(*) FROM players, offer_contract(players.tenant_id, players.id, 150, NULL, false, '{none}', 'registrar@example.test', 'admin_api')
          WHERE players.tenant_id = ${club.id} AND players.id BETWEEN ${from} AND ${to}
        `);
      }
      for (const [from, to] of batches(club.offered, club.signedUpTo - 1)) {
        await pool.query(sql.unsafe`
          SELECT count(*) FROM players, sign_contract(players.contract_token, 'Dana Park', NULL, '203.0.113.7', 'v1', '{offered}')
          WHERE players.tenant_id = ${club.id} AND players.id BETWEEN ${from} AND ${to}
        `);
      }
    });
    const clubsData: DeployClub[] = [];
    for (const club of ranges) {
      // The join reads each player as the statement found it: the link the re-offer replaces.
      const replaced = await pool.anyFirst(sql.type(z.object({ contract_token: z.string() }))`
        SELECT players.contract_token FROM players, offer_contract(players.tenant_id, players.id, 150, NULL, true, '{offered}', 'registrar@example.test', 'admin_api')
        WHERE players.tenant_id = ${club.id} AND players.id BETWEEN ${club.signedUpTo} AND ${club.replacedUpTo - 1}
      `);
      const open = await pool.any(sql.type(z.object({ playerId: z.number(), token: z.string() }))`
        SELECT id AS "playerId", contract_token AS token FROM players
        WHERE tenant_id = ${club.id} AND contract_status = 'offered' ORDER BY id
      `);
      const unoffered = Array.from({ length: UNOFFERED }, (_, i) => club.first + i);
      clubsData.push({ id: club.id, slug: club.slug, unoffered, open, replaced });
    }
    // What autovacuum would have done long before a deploy: the planner sees the tables as they are.
    await pool.query(sql.unsafe`VACUUM ANALYZE`);
    const count = sql.type(z.object({ count: z.bigint().transform(Number) }));
    return {
      clubs: clubsData,
      players: await pool.oneFirst(count`SELECT count(*) FROM players`),
      contracts: await pool.oneFirst(count`SELECT count(*) FROM players WHERE contract_status <> 'none'`),
      signatures: await pool.oneFirst(count`SELECT count(*) FROM contract_audit_log WHERE event_type = 'sign'`),
    };
  } finally {
    await pool.end();
  }
}

/** A club and its players, whose ids are consecutive: one statement, with no other writer yet. */
async function addClub(pool: DatabasePool, slug: string, players: number): Promise<{ id: number; slug: string; first: number }> {
  const id = await pool.oneFirst(
    sql.type(z.object({ id: z.number() }))`INSERT INTO tenants (slug, name) VALUES (${slug}, ${slug}) RETURNING id`,
  );
  const first = await pool.oneFirst(sql.type(z.object({ first: z.number() }))`
    WITH created AS (
      INSERT INTO players (tenant_id, name, email)
      SELECT ${id}, 'Player ' || n, 'family' || n || '@example.test' FROM generate_series(1, ${players}) AS n
      RETURNING id
    ) SELECT min(id) AS first FROM created
  `);
  return { id, slug, first };
}

function batches(from: number, to: number): Array<[number, number]> {
  const result: Array<[number, number]> = [];
  for (let start = from; start <= to; start += BATCH) result.push([start, Math.min(to, start + BATCH - 1)]);
  return result;
}

async function onTwoConnections<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all([worker(), worker()]);
}
