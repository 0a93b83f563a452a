import { createHash } from 'node:crypto';
import test from 'ava';
import pg from 'pg';
import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { createDatabasePool } from '../../src/db/pool.ts';
import { canonicalContent, verifyClubChain } from '../../src/contracts/audit-chain.ts';
import { offerContract } from '../../src/contracts/store.ts';
import { signContract } from '../../src/family/store.ts';
import { LOADED_MACHINE_WAITS } from '../helpers/database.ts';
import { type Club, createClub, createPlayer, putContractInState } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/contract_audit_log_chain: every audit row's hash chains onto the previous row of its player,
// computed by the database on insert, also when many transitions of one club write at once, and
// no transition waits for another player's.

const db = useDatabase();

const chainedRow = z.object({
  id: z.bigint(),
  player_id: z.number(),
  ts_micros: z.bigint(),
  event_type: z.string(),
  old_state: z.string(),
  new_state: z.string(),
  actor: z.string(),
  source: z.string(),
  reason: z.string().nullable(),
  previous_hash: z.instanceof(Buffer).nullable(),
  hash: z.instanceof(Buffer),
});
type ChainedRow = z.infer<typeof chainedRow>;

const readChain = (club: Club, pool: CommonQueryMethods = db().pool) =>
  pool.any(sql.type(chainedRow)`
    SELECT id, player_id, (extract(epoch FROM ts) * 1000000)::bigint AS ts_micros, event_type,
           old_state::text AS old_state, new_state::text AS new_state, actor, source, reason, previous_hash, hash
    FROM contract_audit_log WHERE tenant_id = ${club.id} ORDER BY id
  `);

/** The documented rule, recomputed here: sha256(previous hash ‖ UTF-8 of the canonical content). */
function expectedHash(club: Club, row: ChainedRow): Buffer {
  const content = canonicalContent({
    tenantId: club.id,
    id: row.id,
    tsMicros: row.ts_micros,
    playerId: row.player_id,
    eventType: row.event_type,
    oldState: row.old_state,
    newState: row.new_state,
    actor: row.actor,
    source: row.source,
    reason: row.reason,
  });
  return createHash('sha256')
    .update(row.previous_hash ?? Buffer.alloc(0))
    .update(content, 'utf8')
    .digest();
}

/** Each row's previous_hash is the hash of its player's row before it, in id order, and each hash is the rule's. */
function assertUnbrokenChains(
  t: { deepEqual: (a: unknown, b: unknown, message?: string) => void },
  club: Club,
  rows: readonly ChainedRow[],
) {
  const newest = new Map<number, ChainedRow>();
  for (const row of rows) {
    t.deepEqual(row.previous_hash, newest.get(row.player_id)?.hash ?? null, `row ${row.id} chains onto its player's row before it`);
    t.deepEqual(row.hash, expectedHash(club, row), `row ${row.id}'s hash is the documented rule's`);
    newest.set(row.player_id, row);
  }
}

const forceOffer = (pool: CommonQueryMethods, club: Club, playerId: number, fee = 175) =>
  offerContract(pool, { tenantId: club.id, playerId, monthlyFee: fee, targetTeamId: null, force: true, actor: 'registrar@example.test' });

test('each row chains onto its player’s previous one: previous_hash is its hash, hash = sha256(previous_hash ‖ content)', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');
  await forceOffer(db().pool, club, playerId, 160);
  await forceOffer(db().pool, club, playerId, 170);
  const token = (await forceOffer(db().pool, club, playerId, 180)).contract_token;
  await signContract(db().pool, { token, signedBy: 'Dana Park', signatureUrl: null, ip: '203.0.113.7', contractVersion: 'v1' });

  const rows = await readChain(club);

  t.is(rows.length, 4);
  t.is(rows[0]?.previous_hash, null, 'the player’s first row chains onto nothing');
  for (const [index, row] of rows.slice(1).entries()) t.deepEqual(row.previous_hash, rows[index]?.hash);
  assertUnbrokenChains(t, club, rows);
});

test('players have separate chains, however their rows interleave', async (t) => {
  const club = await createClub(db().pool);
  const [first, second] = [await createPlayer(db().pool, club), await createPlayer(db().pool, club)];
  await putContractInState(db().pool, club, first, 'offered');
  await putContractInState(db().pool, club, second, 'offered');
  for (let round = 0; round < 3; round += 1) {
    await forceOffer(db().pool, club, first);
    await forceOffer(db().pool, club, second);
  }

  const rows = await readChain(club);

  t.is(rows.length, 6);
  t.is(rows[1]?.player_id, second);
  t.is(rows[1]?.previous_hash, null, 'the second player’s first row starts its own chain');
  t.deepEqual(rows[2]?.previous_hash, rows[0]?.hash, 'the first player’s next row skips the other player’s');
  assertUnbrokenChains(t, club, rows);
});

test('an open transition of one player holds up no other player’s of the club', async (t) => {
  const club = await createClub(db().pool);
  const [held, other] = [await createPlayer(db().pool, club), await createPlayer(db().pool, club)];
  await putContractInState(db().pool, club, held, 'offered');
  await putContractInState(db().pool, club, other, 'offered');
  const client = new pg.Client({ connectionString: db().url });
  await client.connect();
  t.teardown(() => client.end());
  await client.query('BEGIN');
  await client.query(`SELECT * FROM offer_contract($1, $2, 190, NULL, true, ARRAY['offered'], 'a', 'admin_api')`, [club.id, held]);

  // Before per-player chains this waited for the club's chain head, until the open one ended.
  await db().pool.transaction(async (tx) => {
    await tx.query(sql.unsafe`SET LOCAL lock_timeout = '1s'`);
    await forceOffer(tx, club, other);
  });
  await client.query('COMMIT');

  const rows = await readChain(club);
  t.deepEqual(
    rows.slice(-2).map((row) => row.player_id),
    [held, other],
  );
  assertUnbrokenChains(t, club, rows);
});

test('clubs’ rows chain apart too, however they interleave', async (t) => {
  const [a, b] = [await createClub(db().pool), await createClub(db().pool)];
  const [playerA, playerB] = [await createPlayer(db().pool, a), await createPlayer(db().pool, b)];
  await putContractInState(db().pool, a, playerA, 'offered');
  await putContractInState(db().pool, b, playerB, 'offered');
  for (let round = 0; round < 3; round += 1) {
    await forceOffer(db().pool, a, playerA);
    await forceOffer(db().pool, b, playerB);
  }

  const [rowsA, rowsB] = [await readChain(a), await readChain(b)];

  t.is(rowsA.length, 3);
  t.is(rowsB.length, 3);
  t.is(rowsB[0]?.previous_hash, null, 'b’s first row starts its own chain');
  assertUnbrokenChains(t, a, rowsA);
  assertUnbrokenChains(t, b, rowsB);
});

test('a transition that rolls back is nobody’s predecessor', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');
  await forceOffer(db().pool, club, playerId);

  await t.throwsAsync(
    db().pool.transaction(async (tx) => {
      await forceOffer(tx, club, playerId);
      throw new Error('rolled back');
    }),
    { message: 'rolled back' },
  );
  await forceOffer(db().pool, club, playerId);

  const rows = await readChain(club);
  t.is(rows.length, 2);
  assertUnbrokenChains(t, club, rows);
});

test('a row that would chain out of id order gets a fresh id, so the chain runs in id order', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');
  await forceOffer(db().pool, club, playerId);
  const [first] = await readChain(club);

  // As a row of a transaction that drew its id first but reached the player's lock second.
  const id = await db().pool.oneFirst(sql.type(z.object({ id: z.bigint() }))`
    INSERT INTO contract_audit_log (tenant_id, id, player_id, event_type, old_state, new_state, source)
    OVERRIDING SYSTEM VALUE
    VALUES (${club.id}, ${(first?.id ?? 0n) - 1n}, ${playerId}, 'decline', '{}', '{}', 'test')
    RETURNING id
  `);

  t.true(id > (first?.id ?? 0n));
  assertUnbrokenChains(t, club, await readChain(club));
});

test('a REPEATABLE READ writer that cannot see its player’s newest row fails to serialize instead of forking the chain', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');
  await forceOffer(db().pool, club, playerId);

  // A connection of its own, without slonik, which would retry the failed statement.
  const client = new pg.Client({ connectionString: db().url });
  await client.connect();
  t.teardown(() => client.end());
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  await client.query('SELECT 1'); // the snapshot
  await forceOffer(db().pool, club, playerId); // commits after the snapshot
  // Straight into the log, as a hand-written writer would: the trigger's own lock on the player refuses it.
  const state = await client
    .query(
      `INSERT INTO contract_audit_log (tenant_id, player_id, event_type, old_state, new_state, source)
       VALUES ($1, $2, 'decline', '{}', '{}', 'test')`,
      [club.id, playerId],
    )
    .then(
      () => null,
      (error: { code?: string }) => error.code,
    );
  await client.query('ROLLBACK');

  t.is(state, '40001');
  assertUnbrokenChains(t, club, await readChain(club));
});

const SIMULTANEOUS = 20;

test(`${SIMULTANEOUS} transitions of one club at once, each on its own connection, leave every player's chain unbroken`, async (t) => {
  t.timeout(30_000);
  const pool = await createDatabasePool(db().url, { maximumPoolSize: SIMULTANEOUS, ...LOADED_MACHINE_WAITS });
  t.teardown(() => pool.end());
  const club = await createClub(db().pool);
  const players = await Promise.all(Array.from({ length: SIMULTANEOUS }, () => createPlayer(db().pool, club)));
  const tokens = await Promise.all(players.map((playerId) => putContractInState(db().pool, club, playerId, 'offered')));
  // Every connection open before the race starts.
  await Promise.all(players.map(() => pool.query(sql.unsafe`SELECT pg_sleep(0.05)`)));

  // Half the families sign while the club re-offers the other half's contracts.
  await Promise.all(
    players.map((playerId, index) =>
      index % 2 === 0
        ? signContract(pool, { token: tokens[index] ?? '', signedBy: 'Dana Park', signatureUrl: null, ip: null, contractVersion: 'v1' })
        : forceOffer(pool, club, playerId),
    ),
  );

  const rows = await readChain(club);
  t.is(rows.length, SIMULTANEOUS);
  t.deepEqual(
    rows.map((row) => row.player_id).sort((a, b) => a - b),
    [...players].sort((a, b) => a - b),
  );
  assertUnbrokenChains(t, club, rows);
  t.like(await verifyClubChain(db().pool, club), { intact: true, rows: SIMULTANEOUS, removed: 0 });
});
